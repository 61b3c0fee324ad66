//! Media: uploads (sync and 202), processing (preview, meta, BlurHash, focus), limits, attachments on
//! statuses, avatars and headers, and the stored files.

use std::time::Duration;

use image::{DynamicImage, GenericImageView, ImageFormat, Rgb, RgbImage};
use reqwest::multipart::{Form, Part};
use reqwest::Method;
use serde_json::{json, Value};

use crate::support::{Api, Resp, TestServer};

crate::on_both_backends!(images_upload_process_and_attach, uploads_are_checked_and_owned, avatars_and_headers_are_cropped, thumbnails_replace_previews);

pub fn png(width: u32, height: u32) -> Vec<u8> {
    let image = RgbImage::from_fn(width, height, |x, y| Rgb([(x % 256) as u8, (y % 256) as u8, 128]));
    let mut out = std::io::Cursor::new(Vec::new());
    DynamicImage::ImageRgb8(image).write_to(&mut out, ImageFormat::Png).unwrap();
    out.into_inner()
}

pub fn file_form(bytes: Vec<u8>, name: &str) -> Form {
    Form::new().part("file", Part::bytes(bytes).file_name(name.to_owned()).mime_str("application/octet-stream").unwrap())
}

pub async fn upload(api: &Api, form: Form) -> Resp {
    api.multipart(Method::POST, "/api/v2/media", form).await
}

async fn fetch(url: &str) -> (u16, String, Vec<u8>) {
    let response = reqwest::get(url).await.unwrap();
    let status = response.status().as_u16();
    let content_type = response.headers().get("content-type").map(|v| v.to_str().unwrap().to_owned()).unwrap_or_default();
    (status, content_type, response.bytes().await.unwrap().to_vec())
}

fn keys(value: &Value) -> Vec<&str> {
    let mut keys: Vec<&str> = value.as_object().unwrap().keys().map(String::as_str).collect();
    keys.sort();
    keys
}

async fn images_upload_process_and_attach(server: TestServer) {
    let ann = server.login("ann").await;
    let form = file_form(png(600, 400), "team.png").text("description", "The team at the offsite").text("focus", "-0.5,0.3");
    let uploaded = upload(&ann, form).await;
    assert_eq!(uploaded.status, 200, "a small image is processed before the answer: {}", uploaded.body);
    // The shape of fixtures/mastodon-api/media_attachment.json.
    assert_eq!(
        keys(&uploaded.body),
        ["blurhash", "description", "id", "meta", "preview_remote_url", "preview_url", "remote_url", "text_url", "type", "url"]
    );
    assert_eq!(uploaded.str("type"), "image");
    assert_eq!(uploaded.body["meta"]["original"], json!({"width": 600, "height": 400, "size": "600x400", "aspect": 1.5}));
    assert_eq!(uploaded.body["meta"]["small"]["size"], "587x391");
    assert_eq!(uploaded.body["meta"]["focus"], json!({"x": -0.5, "y": 0.3}));
    assert_eq!(uploaded.str("blurhash").len(), 36);
    let (status, content_type, bytes) = fetch(&uploaded.str("url")).await;
    assert_eq!((status, content_type.as_str()), (200, "image/png"));
    assert_eq!(image::load_from_memory(&bytes).unwrap().dimensions(), (600, 400));
    let (status, content_type, _) = fetch(&uploaded.str("preview_url")).await;
    assert_eq!((status, content_type.as_str()), (200, "image/jpeg"));

    let media_id = uploaded.id();
    let described = ann.put_json(&format!("/api/v1/media/{media_id}"), &json!({"description": "Offsite, day 2", "focus": "0.1,-0.2"})).await;
    assert_eq!(described.status, 200, "{}", described.body);
    assert_eq!(described.body["meta"]["focus"], json!({"x": 0.1, "y": -0.2}));
    assert_eq!(ann.get(&format!("/api/v1/media/{media_id}")).await.str("description"), "Offsite, day 2");

    // A status may be only media.
    let posted = ann.post_json("/api/v1/statuses", &json!({"status": "", "media_ids": [media_id]})).await;
    assert_eq!(posted.status, 200, "{}", posted.body);
    assert_eq!(posted.body["media_attachments"][0]["id"], json!(media_id));
    assert_eq!(posted.body["media_attachments"][0]["description"], "Offsite, day 2");
    let status_id = posted.id();
    let again = ann.post_json("/api/v1/statuses", &json!({"status": "twice", "media_ids": [media_id]})).await;
    assert_eq!(again.status, 422, "already attached: {}", again.body);
    assert_eq!(ann.delete(&format!("/api/v1/media/{media_id}")).await.status, 422, "in use by a status");

    let ann_id = ann.me().await.id();
    let with_media = ann.get(&format!("/api/v1/accounts/{ann_id}/statuses?only_media=true")).await;
    ann.toot("no pictures here", json!({})).await;
    assert_eq!(with_media.ids(), vec![status_id.clone()]);
    assert_eq!(ann.get("/api/v1/timelines/public?only_media=true").await.ids(), vec![status_id.clone()]);

    // Edits: descriptions through media_attributes, attachments replaced through media_ids.
    let second = upload(&ann, file_form(png(20, 20), "b.png")).await.id();
    let edited = ann
        .put_json(&format!("/api/v1/statuses/{status_id}"), &json!({"status": "two pictures", "media_ids": [second, media_id],
            "media_attributes": [{"id": media_id, "description": "edited"}]}))
        .await;
    assert_eq!(edited.status, 200, "{}", edited.body);
    let attached: Vec<(&str, &Value)> =
        edited.body["media_attachments"].as_array().unwrap().iter().map(|m| (m["id"].as_str().unwrap(), &m["description"])).collect();
    assert_eq!(attached, [(second.as_str(), &Value::Null), (media_id.as_str(), &json!("edited"))]);
    let kept = ann.put_json(&format!("/api/v1/statuses/{status_id}"), &json!({"status": "text only edit"})).await;
    assert_eq!(kept.body["media_attachments"].as_array().unwrap().len(), 2, "no media_ids keeps them");
    let removed = ann.put_json(&format!("/api/v1/statuses/{status_id}"), &json!({"status": "none left", "media_ids": []})).await;
    assert_eq!(removed.body["media_attachments"], json!([]));

    // An unattached upload can be deleted, and its files go with it.
    let url = ann.get(&format!("/api/v1/media/{second}")).await.str("url");
    assert_eq!(ann.delete(&format!("/api/v1/media/{second}")).await.status, 200);
    assert_eq!(fetch(&url).await.0, 404);

    // v1 answers once processed, always.
    let v1 = ann.multipart(Method::POST, "/api/v1/media", file_form(png(10, 10), "c.png")).await;
    assert_eq!(v1.status, 200, "{}", v1.body);
    assert!(v1.body["url"].is_string());
}

async fn uploads_are_checked_and_owned(server: TestServer) {
    let ann = server.login("ann").await;
    let bob = server.login("bob").await;
    let instance = server.anonymous().get("/api/v2/instance").await;
    let limits = &instance.body["configuration"]["media_attachments"];
    assert!(limits["supported_mime_types"].as_array().unwrap().contains(&json!("image/png")));
    assert_eq!(limits["image_size_limit"], 16 << 20);

    let text = upload(&ann, file_form(b"just some text".to_vec(), "notes.txt")).await;
    assert_eq!(text.status, 422);
    assert_eq!(text.error(), "Validation failed: File content type is invalid");
    let broken = upload(&ann, file_form(b"\x89PNG\r\n\x1a\nnot really".to_vec(), "broken.png")).await;
    assert_eq!(broken.status, 422, "{}", broken.body);
    assert_eq!(upload(&ann, Form::new().text("description", "no file")).await.status, 422);
    let bad_focus = upload(&ann, file_form(png(4, 4), "a.png").text("focus", "3,3")).await;
    assert_eq!(bad_focus.status, 422);
    let long = upload(&ann, file_form(png(4, 4), "a.png").text("description", "x".repeat(1501))).await;
    assert_eq!(long.status, 422);

    let mine = upload(&ann, file_form(png(4, 4), "a.png")).await.id();
    assert_eq!(bob.get(&format!("/api/v1/media/{mine}")).await.status, 404);
    assert_eq!(bob.put_json(&format!("/api/v1/media/{mine}"), &json!({"description": "mine now"})).await.status, 404);
    let stolen = bob.post_json("/api/v1/statuses", &json!({"status": "look", "media_ids": [mine]})).await;
    assert_eq!(stolen.status, 422, "{}", stolen.body);
    let five: Vec<String> = {
        let mut ids = Vec::new();
        for _ in 0..5 {
            ids.push(upload(&ann, file_form(png(4, 4), "a.png")).await.id());
        }
        ids
    };
    assert_eq!(ann.post_json("/api/v1/statuses", &json!({"status": "too many", "media_ids": five})).await.status, 422);
    assert_eq!(server.anonymous().get("/system/../../etc/passwd").await.status, 404);
    assert_eq!(server.anonymous().get("/system/media_attachments/1/nothing/original.png").await.status, 404);
}

async fn avatars_and_headers_are_cropped(server: TestServer) {
    let ann = server.login("ann").await;
    let form = Form::new()
        .text("display_name", "Ann")
        .part("avatar", Part::bytes(png(800, 600)).file_name("me.png"))
        .part("header", Part::bytes(png(3000, 2000)).file_name("office.png"));
    let updated = ann.multipart(Method::PATCH, "/api/v1/accounts/update_credentials", form).await;
    assert_eq!(updated.status, 200, "{}", updated.body);
    assert_eq!(updated.str("display_name"), "Ann");
    let avatar = updated.str("avatar");
    assert!(avatar.contains("/system/accounts/avatars/"), "{avatar}");
    let (status, content_type, bytes) = fetch(&avatar).await;
    assert_eq!((status, content_type.as_str()), (200, "image/png"));
    assert_eq!(image::load_from_memory(&bytes).unwrap().dimensions(), (400, 400));
    let (_, _, header) = fetch(&updated.str("header")).await;
    assert_eq!(image::load_from_memory(&header).unwrap().dimensions(), (1500, 500));
    assert_eq!(ann.me().await.str("avatar_static"), avatar);

    let not_image = Form::new().part("avatar", Part::bytes(b"ID3 audio".to_vec()).file_name("a.mp3"));
    assert_eq!(ann.multipart(Method::PATCH, "/api/v1/accounts/update_credentials", not_image).await.status, 422);
    let reset = ann.delete("/api/v1/profile/avatar").await;
    assert_eq!(reset.status, 200, "{}", reset.body);
    assert!(reset.str("avatar").ends_with("/avatars/original/missing.png"));
}

/// Large uploads answer 202 and are processed after; the media answers 206 until then.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn large_uploads_are_processed_after_a_202() {
    crate::support::run_with(crate::support::Backend::Sqlite, |s| s.media.async_over_bytes = 1_000, |server| async move {
        let ann = server.login("ann").await;
        let accepted = upload(&ann, file_form(png(1500, 1500), "big.png")).await;
        assert_eq!(accepted.status, 202, "{}", accepted.body);
        assert_eq!(accepted.body["url"], Value::Null);
        assert_eq!(accepted.body["meta"]["focus"], serde_json::json!({"x": 0.0, "y": 0.0}), "the focus is known before processing");
        let id = accepted.id();
        let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
        let done = loop {
            let polled = ann.get(&format!("/api/v1/media/{id}")).await;
            if polled.status == 200 {
                break polled;
            }
            assert_eq!(polled.status, 206, "{}", polled.body);
            assert!(tokio::time::Instant::now() < deadline, "still processing");
            tokio::time::sleep(Duration::from_millis(50)).await;
        };
        assert_eq!(done.body["meta"]["original"]["width"], 1500);
        let posted = ann.post_json("/api/v1/statuses", &json!({"status": "big one", "media_ids": [id]})).await;
        assert_eq!(posted.status, 200, "{}", posted.body);
    })
    .await
}

/// Limits come from the configuration and are enforced with a 422 that says what is allowed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn size_limits_are_enforced() {
    crate::support::run_with(crate::support::Backend::Sqlite, |s| s.media.image_bytes = 2 << 20, |server| async move {
        let ann = server.login("ann").await;
        let mut huge = png(8, 8);
        huge.resize(3 << 20, 0);
        let refused = upload(&ann, file_form(huge, "huge.png")).await;
        assert_eq!(refused.status, 422);
        assert_eq!(refused.error(), "Validation failed: File file size must be less than 2 MB");
        let instance = server.anonymous().get("/api/v2/instance").await;
        assert_eq!(instance.body["configuration"]["media_attachments"]["image_size_limit"], 2 << 20);
    })
    .await
}

fn thumbnail_part(width: u32, height: u32) -> Part {
    Part::bytes(png(width, height)).file_name("thumb.png").mime_str("image/png").unwrap()
}

/// `PUT /api/v1/media/:id` with a `thumbnail` file, and `media_attributes[][thumbnail]` on a multipart edit:
/// the file becomes the preview, the one it replaces is removed.
async fn thumbnails_replace_previews(server: TestServer) {
    let ann = server.login("ann").await;
    let uploaded = upload(&ann, file_form(png(64, 48), "photo.png")).await;
    let media_id = uploaded.id();
    let first_preview = uploaded.str("preview_url");
    let form = Form::new().part("thumbnail", thumbnail_part(30, 20)).text("description", "the whiteboard");
    let updated = ann.multipart(Method::PUT, &format!("/api/v1/media/{media_id}"), form).await;
    assert_eq!(updated.status, 200, "{}", updated.text);
    assert_eq!(updated.body["description"], "the whiteboard");
    let second_preview = updated.str("preview_url");
    assert_ne!(second_preview, first_preview);
    assert_eq!(updated.body["meta"]["small"]["width"], 30, "{}", updated.body);
    assert_eq!(updated.body["meta"]["original"]["width"], 64, "the original stays");
    assert_eq!(fetch(&second_preview).await.0, 200);
    assert_eq!(fetch(&first_preview).await.0, 404, "the replaced preview is removed");
    let not_an_image = Form::new().part("thumbnail", Part::bytes(b"plain text".to_vec()).file_name("t.txt"));
    assert_eq!(ann.multipart(Method::PUT, &format!("/api/v1/media/{media_id}"), not_an_image).await.status, 422);

    let status = ann.toot("the plan", json!({"media_ids": [media_id]})).await.id();
    let edit = Form::new()
        .text("status", "the plan, drawn")
        .text("media_ids[]", media_id.clone())
        .text("media_attributes[][id]", media_id.clone())
        .text("media_attributes[][description]", "the drawing")
        .part("media_attributes[][thumbnail]", thumbnail_part(12, 10));
    let edited = ann.multipart(Method::PUT, &format!("/api/v1/statuses/{status}"), edit).await;
    assert_eq!(edited.status, 200, "{}", edited.text);
    let attachment = &edited.body["media_attachments"][0];
    assert_eq!((attachment["description"].clone(), attachment["meta"]["small"]["width"].clone()), (json!("the drawing"), json!(12)));
    assert_eq!(fetch(&second_preview).await.0, 404);
    let stray = Form::new().text("status", "x").part("media_attributes[3][thumbnail]", thumbnail_part(4, 4));
    assert_eq!(ann.multipart(Method::PUT, &format!("/api/v1/statuses/{status}"), stray).await.status, 422);
}
