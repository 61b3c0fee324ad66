//! Peers in one step. `hallway peers invite` on one instance prints a one-time token; `hallway peers join URL
//! TOKEN` on the other POSTs it to `/hallway/peers/join`, signed by its instance actor with the key it sends
//! along. The inviting instance checks the signature with that key, uses the token up, allows the joiner and
//! pins its key, and answers with its own actor and key, which the joiner allows and pins in turn.

use actix_web::{web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use url::Url;

use crate::apub::{inbound, resolve};
use crate::db::models::Peer;
use crate::error::{AppError, AppResult};
use crate::net::authority;
use crate::service::audit::Actor;
use crate::service::{keys, peers};
use crate::state::AppState;

pub const JOIN_PATH: &str = "/hallway/peers/join";

/// What the joining instance sends, and (without the token) what the inviting one answers.
#[derive(Debug, Serialize, Deserialize)]
struct Introduction {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    token: Option<String>,
    actor: String,
    public_key_pem: String,
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route(JOIN_PATH, web::post().to(join_endpoint));
}

/// `POST /hallway/peers/join`: another instance joins with an invitation.
async fn join_endpoint(req: HttpRequest, state: web::Data<AppState>, body: web::Bytes) -> AppResult<HttpResponse> {
    let signed = inbound::signed_request(&state, &req, Some(&body))?;
    let joining: Introduction = serde_json::from_slice(&body).map_err(|e| AppError::bad_request(format!("Not an introduction: {e}")))?;
    let token = joining.token.clone().ok_or_else(|| AppError::bad_request("The invitation token is missing"))?;
    let actor = Url::parse(&joining.actor).map_err(|_| AppError::bad_request("The actor is not a URL"))?;
    if resolve::key_owner(signed.key_id()).as_ref() != Some(&actor) {
        return Err(AppError::Unauthorized("The request was not signed by the actor it introduces".into()));
    }
    signed.verify(&joining.public_key_pem).map_err(|e| AppError::Unauthorized(format!("Signature verification failed: {e}")))?;
    let host = peers::normalize_host(&authority(&actor))?;
    if !is_instance_actor(&actor) || host == state.settings.domain {
        return Err(AppError::validation("Only another Hallway's instance actor (https://host/actor) joins"));
    }
    let checked = (token.clone(), host.clone());
    state.db.read(move |conn| peers::check_invitation(conn, &checked.0, &checked.1)).await?;
    // The joiner's own address must serve that key: a token alone does not let anyone speak for a host.
    let served = state.federation.fetch_introduced_actor(&actor).await.map_err(|e| AppError::Unprocessable(format!("{actor} could not be fetched: {e}")))?;
    if served.id != actor || served.public_key.public_key_pem.trim() != joining.public_key_pem.trim() {
        return Err(AppError::Unauthorized(format!("{actor} does not serve the key this request was signed with")));
    }
    let own_actor = format!("{}/actor", state.settings.base_url());
    let actor_uri = actor.to_string();
    let public_key_pem = state
        .db
        .write(move |tx| {
            let introduced = peers::PeerActor { host: &host, actor_uri: &actor_uri, public_key_pem: &joining.public_key_pem };
            peers::accept_joining(tx, &token, &introduced)?;
            Ok(keys::instance(tx)?.public_key_pem)
        })
        .await?;
    log::info!("{} joined with an invitation", authority(&actor));
    Ok(HttpResponse::Ok().json(Introduction { token: None, actor: own_actor, public_key_pem }))
}

/// A Hallway instance actor: `scheme://host/actor`, nothing more.
fn is_instance_actor(actor: &Url) -> bool {
    actor.path() == "/actor" && actor.query().is_none() && actor.fragment().is_none() && actor.username().is_empty()
}

/// Joins the instance at `address` with its invitation `token`; answers the peer as it is now allowed here.
pub async fn join(state: &AppState, admin: Actor, address: &str, token: &str) -> Result<Peer, String> {
    let base = Url::parse(address).or_else(|_| Url::parse(&format!("{}://{address}", state.settings.scheme))).map_err(|e| format!("{address}: {e}"))?;
    let endpoint = base.join(JOIN_PATH).map_err(|e| e.to_string())?;
    let own_key = state.db.write(|tx| keys::instance(tx)).await.map_err(|e| e.to_string())?.public_key_pem;
    let introduction = Introduction { token: Some(token.trim().to_owned()), actor: format!("{}/actor", state.settings.base_url()), public_key_pem: own_key };
    let body = serde_json::to_vec(&introduction).map_err(|e| e.to_string())?;
    let answer = state.federation.join(&endpoint, &body).await.map_err(|e| format!("{}: {e}", authority(&endpoint)))?;
    let inviting: Introduction = serde_json::from_value(answer).map_err(|e| format!("{}: not an introduction: {e}", authority(&endpoint)))?;
    let actor = Url::parse(&inviting.actor).map_err(|e| format!("the answer's actor: {e}"))?;
    // The answer came from the address the admin named: its actor must live there too.
    let host = peers::normalize_host(&authority(&endpoint)).map_err(|e| e.to_string())?;
    if peers::normalize_host(&authority(&actor)).ok().as_deref() != Some(host.as_str()) || !is_instance_actor(&actor) {
        return Err(format!("{host} answered with another actor than its instance actor ({actor})"));
    }
    let inviting = Introduction { actor: actor.to_string(), ..inviting };
    crate::apub::signatures::public_key_from_pem(&inviting.public_key_pem).map_err(|e| format!("the answer's key: {e}"))?;
    state
        .db
        .write(move |tx| peers::pin(tx, &admin, &peers::PeerActor { host: &host, actor_uri: &inviting.actor, public_key_pem: &inviting.public_key_pem }))
        .await
        .map_err(|e| e.to_string())
}
