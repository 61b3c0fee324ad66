//! Featured hashtags and endorsed accounts on a profile.

use serde_json::json;

use crate::support::TestServer;

crate::on_both_backends!(profiles_feature_tags_and_accounts);

async fn profiles_feature_tags_and_accounts(server: TestServer) {
    let ann = server.login("ann").await;
    let bob = server.login("bob").await;
    let ann_id = ann.me().await.id();
    let bob_id = bob.me().await.id();
    ann.toot("Our #DesignSystem is live", json!({})).await;
    ann.toot("More #designsystem notes and a #retro", json!({})).await;

    let suggestions = ann.get("/api/v1/featured_tags/suggestions").await;
    let mut names: Vec<&str> = suggestions.array().iter().map(|t| t["name"].as_str().unwrap()).collect();
    names.sort();
    assert_eq!(names, vec!["designsystem", "retro"]);
    let featured = ann.post_form("/api/v1/featured_tags", &[("name", "#designsystem")]).await;
    assert_eq!(featured.status, 200, "{}", featured.body);
    assert_eq!(featured.body["statuses_count"], 2);
    assert!(featured.body["last_status_at"].is_string());
    assert_eq!(ann.post_form("/api/v1/featured_tags", &[("name", "not a tag")]).await.status, 422);
    let public = bob.get(&format!("/api/v1/accounts/{ann_id}/featured_tags")).await;
    assert_eq!(public.array().len(), 1);
    assert!(public.array()[0]["url"].as_str().unwrap().ends_with("/@ann/tagged/designsystem"));
    assert_eq!(ann.delete(&format!("/api/v1/featured_tags/{}", featured.id())).await.status, 200);
    assert_eq!(ann.get("/api/v1/featured_tags").await.body, json!([]));

    assert_eq!(ann.post(&format!("/api/v1/accounts/{bob_id}/pin")).await.status, 422, "only followed accounts can be endorsed");
    ann.post(&format!("/api/v1/accounts/{bob_id}/follow")).await;
    assert_eq!(ann.post(&format!("/api/v1/accounts/{bob_id}/pin")).await.body["endorsed"], true);
    assert_eq!(ann.get("/api/v1/endorsements").await.ids(), vec![bob_id.clone()]);
    assert_eq!(ann.post(&format!("/api/v1/accounts/{bob_id}/unpin")).await.body["endorsed"], false);
    assert_eq!(ann.get("/api/v1/endorsements").await.body, json!([]));
}
