//! `Json<T>`: a typed value kept in a `*_json` text column (both backends store text), read and written
//! through `String` with diesel's `deserialize_as`/`serialize_as`.

use serde::de::DeserializeOwned;
use serde::Serialize;

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Json<T>(pub T);

/// A value this version cannot read (written by hand, or by a later version) reads as the type's empty
/// value, so that one odd row never fails a whole page.
impl<T: DeserializeOwned + Default> From<String> for Json<T> {
    fn from(text: String) -> Json<T> {
        Json(serde_json::from_str(&text).unwrap_or_else(|e| {
            log::warn!("an unreadable JSON column ({e}) was read as empty");
            T::default()
        }))
    }
}

/// The types kept this way (lists, maps with string keys, JSON values) always serialise.
impl<T: Serialize> From<Json<T>> for String {
    fn from(value: Json<T>) -> String {
        serde_json::to_string(&value.0).unwrap_or_else(|_| "null".to_owned())
    }
}

impl<T> std::ops::Deref for Json<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::Json;

    #[test]
    fn values_round_trip_and_unreadable_ones_read_as_empty() {
        let counts = Json(vec![3i64, 0, 7]);
        assert_eq!(Json::<Vec<i64>>::from(String::from(counts.clone())), counts);
        assert_eq!(Json::<Vec<i64>>::from("{not json".to_owned()), Json(Vec::new()));
    }
}
