//! Request parameters as Rails reads them: query string and body merged, the body as JSON or as a
//! form with `key[]` lists and `key[sub]` maps, and values that may be strings where types are expected.

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::{web, FromRequest, HttpRequest};
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::error::AppError;

pub const MAX_BODY_BYTES: usize = 1 << 20;

/// Query and body parameters, deserialized into `T`.
pub struct Params<T>(pub T);

impl<T: DeserializeOwned + 'static> FromRequest for Params<T> {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, AppError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let req = req.clone();
        let body = web::Bytes::from_request(&req, payload);
        Box::pin(async move {
            let body = body.await.map_err(|e| match e.as_response_error().status_code().as_u16() {
                413 => AppError::PayloadTooLarge,
                _ => AppError::bad_request("The request body could not be read"),
            })?;
            let (value, files) = merge_request(&req, &body)?;
            if let Some(file) = files.first() {
                return Err(AppError::Unprocessable(format!("File uploads ('{}') are not accepted here", file.name)));
            }
            Ok(Params(value))
        })
    }
}

/// The query string and the body merged (the body wins), deserialized; and the body's files.
fn merge_request<T: DeserializeOwned>(req: &HttpRequest, body: &[u8]) -> Result<(T, Vec<FilePart>), AppError> {
    let mut merged = parse_pairs(req.query_string())?;
    let content_type = req.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("");
    let (fields, files) = parse_body(content_type, body)?;
    for (key, value) in fields {
        merged.insert(key, value);
    }
    let mut merged = Value::Object(merged);
    strip_nul(&mut merged);
    let value =
        T::deserialize(merged).map_err(|e| AppError::validation(e.to_string().replace(" at line 0 column 0", "")))?;
    Ok((value, files))
}

/// The largest file an upload may carry (the server registers it from the media settings).
#[derive(Debug, Clone, Copy)]
pub struct UploadLimit(pub usize);

/// A file part of a multipart body.
#[derive(Debug, Clone)]
pub struct FilePart {
    pub name: String,
    pub bytes: Vec<u8>,
}

/// Parameters and files of a request that may upload media (multipart), read up to the media size limit.
pub struct Upload<T> {
    pub params: T,
    pub files: Vec<FilePart>,
}

impl<T> Upload<T> {
    /// The content of the file field `name`, if one was sent.
    pub fn take_file(&mut self, name: &str) -> Option<Vec<u8>> {
        let at = self.files.iter().position(|f| f.name == name)?;
        Some(self.files.remove(at).bytes)
    }
}

impl<T: DeserializeOwned + 'static> FromRequest for Upload<T> {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, AppError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let req = req.clone();
        let mut payload = payload.take();
        let limit = req.app_data::<UploadLimit>().map_or(MAX_BODY_BYTES, |limit| limit.0) + MULTIPART_OVERHEAD;
        Box::pin(async move {
            use futures_util::StreamExt;
            let mut body = Vec::new();
            while let Some(chunk) = payload.next().await {
                let chunk = chunk.map_err(|_| AppError::bad_request("The request body could not be read"))?;
                if body.len() + chunk.len() > limit {
                    return Err(AppError::PayloadTooLarge);
                }
                body.extend_from_slice(&chunk);
            }
            let (params, files) = merge_request(&req, &body)?;
            Ok(Upload { params, files })
        })
    }
}

/// Room for a multipart body's boundaries, headers and text fields beside its file.
const MULTIPART_OVERHEAD: usize = 1 << 20;

/// Only the query string, for GET endpoints.
pub struct Query<T>(pub T);

impl<T: DeserializeOwned> FromRequest for Query<T> {
    type Error = AppError;
    type Future = std::future::Ready<Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        std::future::ready(query(req.query_string()).map(Query))
    }
}

pub fn query<T: DeserializeOwned>(query_string: &str) -> Result<T, AppError> {
    let mut value = Value::Object(parse_pairs(query_string)?);
    strip_nul(&mut value);
    T::deserialize(value).map_err(|e| AppError::validation(e.to_string()))
}

/// NUL characters have no place in any field, and PostgreSQL refuses them in text.
fn strip_nul(value: &mut Value) {
    match value {
        Value::String(text) if text.contains('\0') => *text = text.replace('\0', ""),
        Value::Array(items) => items.iter_mut().for_each(strip_nul),
        Value::Object(map) => map.values_mut().for_each(strip_nul),
        _ => {}
    }
}

fn parse_body(content_type: &str, body: &[u8]) -> Result<(Map<String, Value>, Vec<FilePart>), AppError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok((Map::new(), Vec::new()));
    }
    let mime = content_type.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    if mime == "application/json" || mime.ends_with("+json") {
        return match serde_json::from_slice(body) {
            Ok(Value::Object(map)) => check_json_bounds(&map).map(|()| (map, Vec::new())),
            Ok(_) => Err(AppError::bad_request("The JSON body must be an object")),
            Err(_) => Err(AppError::bad_request("Error occurred while parsing request parameters")),
        };
    }
    if mime == "multipart/form-data" {
        return parse_multipart(content_type, body);
    }
    if mime.is_empty() || mime == "application/x-www-form-urlencoded" {
        let text = std::str::from_utf8(body).map_err(|_| AppError::bad_request("The form body is not UTF-8"))?;
        return Ok((parse_pairs(text)?, Vec::new()));
    }
    Err(AppError::Unprocessable(format!("Content type '{mime}' is not supported here")))
}

/// The text fields and files of a `multipart/form-data` body (uploads, and Tusky's and Mastodon.py's
/// profile updates).
fn parse_multipart(content_type: &str, body: &[u8]) -> Result<(Map<String, Value>, Vec<FilePart>), AppError> {
    let boundary = content_type
        .split(';')
        .find_map(|param| param.trim().strip_prefix("boundary="))
        .map(|b| b.trim_matches('"'))
        .filter(|b| !b.is_empty())
        .ok_or_else(|| AppError::bad_request("The multipart body has no boundary"))?;
    let delimiter = format!("--{boundary}");
    let mut root = Map::new();
    let mut files = Vec::new();
    for (count, part) in split_bytes(body, delimiter.as_bytes()).into_iter().skip(1).enumerate() {
        if count == MAX_VALUES {
            return Err(too_many());
        }
        if part.starts_with(b"--") {
            break;
        }
        let part = part.strip_prefix(b"\r\n").unwrap_or(part);
        let header_end = find_bytes(part, b"\r\n\r\n").ok_or_else(|| AppError::bad_request("A multipart part has no headers"))?;
        let headers = String::from_utf8_lossy(&part[..header_end]);
        let content = &part[header_end + 4..];
        let content = content.strip_suffix(b"\r\n").unwrap_or(content);
        let name = disposition_param(&headers, "name").ok_or_else(|| AppError::bad_request("A multipart part has no name"))?;
        // As Rack reads parts: one with a file name, or with a type other than plain text, is a file
        // (Node's form-data sends a Buffer as `application/octet-stream` without a file name).
        if disposition_param(&headers, "filename").is_some() || is_typed_as_data(&headers) {
            if !content.is_empty() {
                files.push(FilePart { name, bytes: content.to_vec() });
            }
            continue;
        }
        let value = String::from_utf8(content.to_vec()).map_err(|_| AppError::bad_request("A multipart field is not UTF-8"))?;
        insert_at(&mut root, &key_path(&name)?, Value::String(value));
    }
    Ok((root, files))
}

fn is_typed_as_data(headers: &str) -> bool {
    let content_type = headers.lines().find_map(|l| {
        let (key, value) = l.split_once(':')?;
        key.trim().eq_ignore_ascii_case("content-type").then(|| value.trim().to_ascii_lowercase())
    });
    content_type.is_some_and(|t| !t.starts_with("text/plain"))
}

/// A parameter of the part's `Content-Disposition` header, e.g. `name="note"`.
fn disposition_param(headers: &str, key: &str) -> Option<String> {
    let line = headers.lines().find(|l| l.to_ascii_lowercase().starts_with("content-disposition:"))?;
    line.split(';').skip(1).find_map(|param| {
        let (k, v) = param.trim().split_once('=')?;
        (k.eq_ignore_ascii_case(key)).then(|| v.trim().trim_matches('"').to_owned())
    })
}

fn find_bytes(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|window| window == needle)
}

fn split_bytes<'a>(mut rest: &'a [u8], delimiter: &[u8]) -> Vec<&'a [u8]> {
    let mut parts = Vec::new();
    while let Some(at) = find_bytes(rest, delimiter) {
        parts.push(&rest[..at]);
        rest = &rest[at + delimiter.len()..];
    }
    parts.push(rest);
    parts
}

/// Every body format (JSON, forms, multipart) and the query string share these bounds: no parameter nests
/// deeper than Mastodon's ever do, and no request carries more values than any client sends. Both are checked
/// before anything recurses into the input, so no input can make the parser recurse or grow without bound.
pub const MAX_DEPTH: usize = 6;
pub const MAX_VALUES: usize = 1_000;

fn too_deep() -> AppError {
    AppError::validation(format!("Parameters may nest at most {MAX_DEPTH} levels deep"))
}

fn too_many() -> AppError {
    AppError::validation(format!("A request may carry at most {MAX_VALUES} parameter values"))
}

/// Parses `a=1&b[]=2&b[]=3&c[d]=4` into `{"a":"1","b":["2","3"],"c":{"d":"4"}}`.
pub fn parse_pairs(text: &str) -> Result<Map<String, Value>, AppError> {
    let mut root = Map::new();
    for (count, (key, value)) in url::form_urlencoded::parse(text.as_bytes()).enumerate() {
        if count == MAX_VALUES {
            return Err(too_many());
        }
        insert_at(&mut root, &key_path(&key)?, Value::String(value.into_owned()));
    }
    Ok(root)
}

/// The path a Rails key names (`a[b][]` is `a`, `b`, ``), refused past [`MAX_DEPTH`] before it is built.
fn key_path(key: &str) -> Result<Vec<String>, AppError> {
    let Some(open) = key.find('[') else {
        return Ok(vec![key.to_owned()]);
    };
    if key.matches('[').count() >= MAX_DEPTH {
        return Err(too_deep());
    }
    let mut path = vec![key[..open].to_owned()];
    path.extend(key[open..].split('[').skip(1).map(|part| part.trim_end_matches(']').to_owned()));
    Ok(path)
}

/// Refuses a JSON body nested deeper than [`MAX_DEPTH`] or holding more than [`MAX_VALUES`] values; walks
/// it with a stack of its own rather than by recursion.
fn check_json_bounds(root: &Map<String, Value>) -> Result<(), AppError> {
    let mut pending: Vec<(&Value, usize)> = root.values().map(|value| (value, 1)).collect();
    let mut values = 0;
    while let Some((value, depth)) = pending.pop() {
        values += 1;
        if values > MAX_VALUES {
            return Err(too_many());
        }
        let children: Box<dyn Iterator<Item = &Value>> = match value {
            Value::Array(items) => Box::new(items.iter()),
            Value::Object(map) => Box::new(map.values()),
            _ => continue,
        };
        if depth >= MAX_DEPTH {
            return Err(too_deep());
        }
        pending.extend(children.map(|child| (child, depth + 1)));
    }
    Ok(())
}

fn insert_at(map: &mut Map<String, Value>, path: &[String], value: Value) {
    let (head, rest) = match path.split_first() {
        Some(split) => split,
        None => return,
    };
    match rest.first().map(String::as_str) {
        None => match map.get_mut(head) {
            Some(Value::Array(items)) => items.push(value),
            Some(existing) => *existing = Value::Array(vec![existing.take(), value]),
            None => {
                map.insert(head.clone(), value);
            }
        },
        Some("") if rest.len() > 1 => {
            // `a[][k]=1&a[][j]=2&a[][k]=3`: Rails starts a new hash when the last one has the key already.
            let slot = map.entry(head.clone()).or_insert_with(|| Value::Array(Vec::new()));
            if !slot.is_array() {
                *slot = Value::Array(Vec::new());
            }
            if let Value::Array(items) = slot {
                let key = &rest[1];
                let reuse = matches!(items.last(), Some(Value::Object(last)) if !last.contains_key(key));
                if !reuse {
                    items.push(Value::Object(Map::new()));
                }
                if let Some(Value::Object(last)) = items.last_mut() {
                    insert_at(last, &rest[1..], value);
                }
            }
        }
        Some("") => {
            let slot = map.entry(head.clone()).or_insert_with(|| Value::Array(Vec::new()));
            match slot {
                Value::Array(items) => items.push(value),
                other => *other = Value::Array(vec![other.take(), value]),
            }
        }
        Some(_) => {
            let slot = map.entry(head.clone()).or_insert_with(|| Value::Object(Map::new()));
            if !slot.is_object() {
                *slot = Value::Object(Map::new());
            }
            if let Value::Object(inner) = slot {
                insert_at(inner, rest, value);
            }
        }
    }
}

/// Deserializers that accept what Rails accepts: `"1"`, `"true"`, `1` or `true` for a boolean, and so on.
pub mod flex {
    use serde::{Deserialize, Deserializer};
    use serde_json::Value;

    fn as_bool(value: &Value) -> Option<bool> {
        match value {
            Value::Bool(b) => Some(*b),
            Value::Number(n) => Some(n.as_i64() != Some(0)),
            Value::String(s) => match s.trim().to_ascii_lowercase().as_str() {
                "1" | "true" | "on" | "t" | "yes" => Some(true),
                "0" | "false" | "off" | "f" | "no" | "" => Some(false),
                _ => None,
            },
            Value::Null => None,
            _ => None,
        }
    }

    pub fn bool_opt<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
        let value = Value::deserialize(d)?;
        if value.is_null() {
            return Ok(None);
        }
        as_bool(&value).map(Some).ok_or_else(|| serde::de::Error::custom(format!("'{value}' is not a boolean")))
    }

    pub fn bool_or_false<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
        Ok(bool_opt(d)?.unwrap_or(false))
    }

    fn as_i64(value: &Value) -> Option<i64> {
        match value {
            Value::Number(n) => n.as_i64(),
            Value::String(s) => s.trim().parse().ok(),
            _ => None,
        }
    }

    /// An id or a number; an empty string counts as absent.
    pub fn i64_opt<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
        let value = Value::deserialize(d)?;
        match &value {
            Value::Null => Ok(None),
            Value::String(s) if s.trim().is_empty() => Ok(None),
            _ => as_i64(&value).map(Some).ok_or_else(|| serde::de::Error::custom(format!("'{value}' is not a number"))),
        }
    }

    /// An optional record id, typed by the field it fills.
    pub fn id_opt<'de, D: Deserializer<'de>, Id: From<i64>>(d: D) -> Result<Option<Id>, D::Error> {
        i64_opt(d).map(|id| id.map(Id::from))
    }

    /// A string, or a number given where a string was meant.
    pub fn string_opt<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
        match Value::deserialize(d)? {
            Value::Null => Ok(None),
            Value::String(s) => Ok(Some(s)),
            Value::Number(n) => Ok(Some(n.to_string())),
            Value::Bool(b) => Ok(Some(b.to_string())),
            other => Err(serde::de::Error::custom(format!("'{other}' is not a string"))),
        }
    }

    /// A list given as `key[]=a&key[]=b`, as a JSON array, or as one value.
    pub fn string_list<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
        let value = Value::deserialize(d)?;
        let items = match value {
            Value::Null => Vec::new(),
            Value::Array(items) => items,
            Value::Object(map) => map.into_iter().map(|(_, v)| v).collect(),
            one => vec![one],
        };
        items
            .into_iter()
            .map(|item| match item {
                Value::String(s) => Ok(s),
                Value::Number(n) => Ok(n.to_string()),
                other => Err(serde::de::Error::custom(format!("'{other}' is not a string"))),
            })
            .collect()
    }

    /// A list that may be absent (None) rather than empty.
    pub fn string_list_opt<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Vec<String>>, D::Error> {
        string_list(d).map(Some)
    }

    /// A number, or an empty value meaning "clear it" (`expires_in=` for "never").
    pub fn clearable_i64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Option<i64>>, D::Error> {
        let value = Value::deserialize(d)?;
        match &value {
            Value::Null => Ok(Some(None)),
            Value::String(s) if s.trim().is_empty() => Ok(Some(None)),
            _ => as_i64(&value).map(|n| Some(Some(n))).ok_or_else(|| serde::de::Error::custom(format!("'{value}' is not a number"))),
        }
    }

    /// Like [`id_list`], None when absent.
    pub fn id_list_opt<'de, D: Deserializer<'de>, Id: From<i64>>(d: D) -> Result<Option<Vec<Id>>, D::Error> {
        id_list(d).map(Some)
    }

    /// Like [`string_list`] for ids.
    pub fn id_list<'de, D: Deserializer<'de>, Id: From<i64>>(d: D) -> Result<Vec<Id>, D::Error> {
        string_list(d)?
            .into_iter()
            .map(|s| s.trim().parse::<i64>().map(Id::from).map_err(|_| serde::de::Error::custom(format!("'{s}' is not an id"))))
            .collect()
    }
}

/// A list of objects as clients send one: a JSON array, Rails' `name[][field]` form lists or
/// `name[0][field]` indexed maps, or a single object (one with any of `fields`); each item read into `T`.
pub fn object_list<T: DeserializeOwned>(name: &str, value: Value, fields: &[&str]) -> Result<Vec<T>, AppError> {
    let items = match value {
        Value::Null => return Ok(Vec::new()),
        Value::Array(items) => items,
        Value::Object(map) if fields.iter().any(|field| map.contains_key(*field)) => vec![Value::Object(map)],
        Value::Object(map) => map.into_iter().map(|(_, item)| item).collect(),
        _ => return Err(AppError::validation(format!("{name} must be a list"))),
    };
    items
        .into_iter()
        .map(|item| serde_json::from_value(item).map_err(|e| AppError::validation(format!("{name}: {e}"))))
        .collect()
}

/// A client's ISO 8601 time, as UTC; refused as "`what` 'text' is not an ISO 8601 time" otherwise.
pub fn iso_time(what: &str, text: &str) -> Result<chrono::NaiveDateTime, AppError> {
    chrono::DateTime::parse_from_rfc3339(text.trim())
        .map(|t| t.naive_utc())
        .map_err(|_| AppError::validation(format!("{what} '{text}' is not an ISO 8601 time")))
}

/// An ISO 8601 time, or a date (its midnight, UTC).
pub fn time_or_date(what: &str, text: &str) -> Result<chrono::NaiveDateTime, AppError> {
    match chrono::NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d") {
        Ok(date) => Ok(date.and_time(chrono::NaiveTime::MIN)),
        Err(_) => iso_time(what, text),
    }
}

/// A path id: anything that is not a number names no record.
pub fn path_id<Id: From<i64>>(text: &str) -> Result<Id, AppError> {
    text.parse::<i64>().map(Id::from).map_err(|_| AppError::NotFound)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn multipart_text_fields_and_files() {
        let body = "--XX\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\nhello\r\nthere\r\n--XX\r\nContent-Disposition: form-data; name=\"fields_attributes[0][name]\"\r\n\r\nteam\r\n--XX--\r\n";
        let (map, files) = parse_multipart("multipart/form-data; boundary=XX", body.as_bytes()).unwrap();
        assert_eq!(Value::Object(map), serde_json::json!({"note": "hello\r\nthere", "fields_attributes": {"0": {"name": "team"}}}));
        assert!(files.is_empty());
        let file = "--XX\r\nContent-Disposition: form-data; name=\"avatar\"; filename=\"a.png\"\r\nContent-Type: image/png\r\n\r\nPNG\r\n--XX--\r\n";
        let (_, files) = parse_multipart("multipart/form-data; boundary=XX", file.as_bytes()).unwrap();
        assert_eq!((files[0].name.as_str(), files[0].bytes.as_slice()), ("avatar", b"PNG".as_slice()));
        let unnamed = b"--XX\r\nContent-Disposition: form-data; name=\"file\"\r\nContent-Type: application/octet-stream\r\n\r\n\x89PNG\r\n--XX\r\nContent-Disposition: form-data; name=\"description\"\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nx\r\n--XX--\r\n";
        let (map, files) = parse_multipart("multipart/form-data; boundary=XX", unnamed).unwrap();
        assert_eq!((files[0].name.as_str(), files[0].bytes.as_slice()), ("file", b"\x89PNG".as_slice()), "typed data without a file name");
        assert_eq!(Value::Object(map), serde_json::json!({"description": "x"}));
    }

    #[test]
    fn deep_or_numerous_parameters_are_refused_in_every_format() {
        let deep_key = format!("a{}", "[a]".repeat(8_000));
        assert!(matches!(parse_pairs(&format!("{deep_key}=1&b=2")), Err(AppError::Validation(_))));
        let multipart = format!("--XX\r\nContent-Disposition: form-data; name=\"{deep_key}\"\r\n\r\nx\r\n--XX--\r\n");
        assert!(matches!(parse_multipart("multipart/form-data; boundary=XX", multipart.as_bytes()), Err(AppError::Validation(_))));
        let deep_json = format!("{{\"a\":{}1{}}}", "[".repeat(100), "]".repeat(100));
        assert!(matches!(parse_body("application/json", deep_json.as_bytes()), Err(AppError::Validation(_))));
        let many = (0..=MAX_VALUES).map(|i| format!("k{i}=1")).collect::<Vec<_>>().join("&");
        assert!(matches!(parse_pairs(&many), Err(AppError::Validation(_))));
        let as_deep_as_allowed = format!("a{}=1", "[a]".repeat(MAX_DEPTH - 1));
        assert!(parse_pairs(&as_deep_as_allowed).is_ok());
        let nested_json = r#"{"poll":{"options":["a","b"]},"keywords_attributes":[{"keyword":"x"}]}"#;
        assert!(parse_body("application/json", nested_json.as_bytes()).is_ok());
    }

    #[test]
    fn forms_nest_like_rails() {
        let list = parse_pairs("k[][keyword]=a&k[][whole_word]=1&k[][keyword]=b").unwrap();
        assert_eq!(Value::Object(list), serde_json::json!({"k": [{"keyword": "a", "whole_word": "1"}, {"keyword": "b"}]}));
        let map = parse_pairs("a=1&b[]=2&b[]=3&c[d]=4&f[0][name]=x&f[0][value]=y&a=5").unwrap();
        assert_eq!(Value::Object(map), serde_json::json!({"a":["1","5"],"b":["2","3"],"c":{"d":"4"},"f":{"0":{"name":"x","value":"y"}}}));
    }
}
