//! Statuses written as JSON with their viewer-independent fields rendered once: the shared part of a status is
//! kept (`Caches::rendered`) while the cached entries it was made from are still the ones in the caches, and
//! each answer adds the viewer's own fields. The result is the JSON that [`super::Status`] serializes to.

use std::sync::Arc;

use serde::Serialize;

use super::status::{Quote, QuoteApproval, SharedFields, ViewerFields};
use crate::config::Settings;
use crate::db::cache::{Caches, RenderedStatus};
use crate::db::views::SharedParts;
use crate::service::views::StatusView;

/// The JSON array of these statuses.
pub fn list(caches: &Caches, views: &[StatusView], settings: &Settings) -> String {
    let mut out = String::with_capacity(views.len() * 2048 + 2);
    out.push('[');
    for (n, view) in views.iter().enumerate() {
        if n > 0 {
            out.push(',');
        }
        write(&mut out, caches, view, settings);
    }
    out.push(']');
    out
}

/// The JSON of one status.
pub fn one(caches: &Caches, view: &StatusView, settings: &Settings) -> String {
    let mut out = String::with_capacity(2048);
    write(&mut out, caches, view, settings);
    out
}

fn write(out: &mut String, caches: &Caches, view: &StatusView, settings: &Settings) {
    out.push('{');
    out.push_str(inner(&shared_json(caches, view, settings)));
    let own = to_json(&ViewerFields::from_view(view));
    if !inner(&own).is_empty() {
        out.push(',');
        out.push_str(inner(&own));
    }
    out.push_str(",\"reblog\":");
    match &view.reblog {
        Some(original) => write(out, caches, original, settings),
        None => out.push_str("null"),
    }
    out.push_str(",\"quote\":");
    out.push_str(&to_json(&Quote::of(view, settings)));
    out.push_str(",\"quote_approval\":");
    out.push_str(&to_json(&QuoteApproval::of(view)));
    out.push('}');
}

fn shared_json(caches: &Caches, view: &StatusView, settings: &Settings) -> Arc<str> {
    if view.cached_parts.is_none() {
        return to_json(&SharedFields::from_view(view, settings)).into();
    }
    if let Some(kept) = caches.rendered.get(&view.status.id).filter(|kept| kept.from.made(view)) {
        return kept.json.clone();
    }
    let json: Arc<str> = to_json(&SharedFields::from_view(view, settings)).into();
    if let Some(from) = SharedParts::of(view) {
        caches.rendered.insert(view.status.id, Arc::new(RenderedStatus { from, json: json.clone() }));
    }
    json
}

/// An object's fields without its braces.
fn inner(object: &str) -> &str {
    object.strip_prefix('{').and_then(|rest| rest.strip_suffix('}')).unwrap_or("")
}

fn to_json(value: &impl Serialize) -> String {
    serde_json::to_string(value).unwrap_or_else(|e| {
        log::error!("a status could not be written as JSON: {e}");
        "{}".to_owned()
    })
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::api::entities::Status;
    use crate::apub::objects::testing::{local_account, status_view};
    use crate::db::cache::CacheSizes;
    use crate::db::views::{StatusParts, ViewerFlags};

    fn as_status(view: &StatusView, settings: &Settings) -> serde_json::Value {
        serde_json::to_value(Status::from_view(view, settings)).unwrap()
    }

    fn cached(mut view: StatusView) -> StatusView {
        let parts = StatusParts {
            status: view.status.clone(),
            mention_ids: Vec::new(),
            tags: Vec::new().into(),
            media: Vec::new().into(),
            poll: None,
            emojis: Vec::new().into(),
            app: None,
            quote: None,
            quotes_count: 0,
        };
        view.cached_parts = Some(Arc::new(parts));
        view
    }

    #[test]
    fn the_rendered_json_is_the_status_entity() {
        let settings = Settings::for_database("sqlite::memory:").unwrap();
        let caches = Caches::new(CacheSizes::default());
        let ann = local_account(1, "ann");
        let mut view = cached(status_view(ann.clone(), "public", vec![local_account(2, "bob")]));
        for _ in 0..2 {
            let answered: serde_json::Value = serde_json::from_str(&one(&caches, &view, &settings)).unwrap();
            assert_eq!(answered, as_status(&view, &settings), "anonymous");
        }
        view.viewer = Some(ViewerFlags { viewer_id: ann.id, favourited: true, reblogged: false, bookmarked: true, pinned: true, muted: false });
        let answered: serde_json::Value = serde_json::from_str(&one(&caches, &view, &settings)).unwrap();
        assert_eq!(answered, as_status(&view, &settings), "with the viewer's marks, the shared part from the cache");
        assert_eq!(answered["favourited"], true);

        let mut reblog = cached(status_view(local_account(2, "bob"), "public", Vec::new()));
        Arc::make_mut(&mut reblog.status).id = crate::ids::StatusId(reblog.status.id.0 + 1);
        Arc::make_mut(&mut reblog.status).reblog_of_id = Some(view.status.id);
        reblog.reblog = Some(Box::new(view.clone()));
        let listed: serde_json::Value = serde_json::from_str(&list(&caches, &[reblog.clone(), view.clone()], &settings)).unwrap();
        assert_eq!(listed, serde_json::json!([as_status(&reblog, &settings), as_status(&view, &settings)]));

        Arc::make_mut(&mut view.status).favourites_count = 5;
        let stale = one(&caches, &view, &settings);
        assert!(stale.contains("\"favourites_count\":0"), "kept while the same cached entries: {stale}");
        let renewed: serde_json::Value = serde_json::from_str(&one(&caches, &cached(view.clone()), &settings)).unwrap();
        assert_eq!(renewed["favourites_count"], 5, "other entries: rendered again");
    }
}
