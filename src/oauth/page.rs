//! The HTML of the sign-in and consent page: plain, escaped, usable without JavaScript.

use super::{AuthorizeParams, Checked};
use crate::config::Settings;
use crate::service::markup::escape;

fn layout(settings: &Settings, title: &str, body: &str) -> String {
    format!(
        r#"<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} · {instance}</title>
<style>
body {{ font-family: system-ui, sans-serif; background: #f3f4f6; color: #111827; margin: 0; }}
main {{ max-width: 26rem; margin: 3rem auto; background: #fff; padding: 2rem; border-radius: 12px; box-shadow: 0 1px 4px rgba(0,0,0,.12); }}
h1 {{ font-size: 1.3rem; margin-top: 0; }}
label {{ display: block; margin: 1rem 0 .25rem; font-weight: 600; }}
input[type=text], input[type=password] {{ width: 100%; box-sizing: border-box; padding: .6rem; border: 1px solid #d1d5db; border-radius: 6px; font-size: 1rem; }}
.scopes {{ background: #f9fafb; border-radius: 6px; padding: .5rem 1rem; }}
.scopes li {{ font-family: ui-monospace, monospace; }}
.error {{ color: #b91c1c; background: #fef2f2; padding: .6rem; border-radius: 6px; }}
.buttons {{ display: flex; gap: .75rem; margin-top: 1.5rem; }}
button {{ flex: 1; padding: .7rem; font-size: 1rem; border-radius: 6px; border: 0; cursor: pointer; }}
button.approve {{ background: #4f46e5; color: #fff; }}
button.deny {{ background: #e5e7eb; }}
code.authcode {{ display: block; word-break: break-all; font-size: 1.1rem; background: #f9fafb; padding: 1rem; border-radius: 6px; }}
</style></head>
<body><main>{body}</main></body></html>"#,
        title = escape(title),
        instance = escape(&settings.title),
        body = body
    )
}

fn hidden(name: &str, value: Option<&str>) -> String {
    match value {
        Some(value) if !value.is_empty() => {
            format!("<input type=\"hidden\" name=\"{}\" value=\"{}\">", escape(name), escape(value))
        }
        _ => String::new(),
    }
}

/// How people may sign in on the page: the company's single sign-on, a password, or both.
pub struct SignInMethods<'a> {
    /// The single sign-on button's words, when an OpenID provider is configured.
    pub sso_button: Option<&'a str>,
    pub password: bool,
    /// `?local=1`: an emergency administrator's local password, when passwords are otherwise off.
    pub local: bool,
}

pub fn consent(settings: &Settings, checked: &Checked, params: &AuthorizeParams, csrf: &str, failed_login: Option<(&str, &str)>, methods: &SignInMethods) -> String {
    let (app_name, scopes, redirect_uri) = (checked.app.name.as_str(), checked.scopes.list(), checked.redirect_uri.as_str());
    let scope_items: String = scopes.iter().map(|s| format!("<li>{}</li>", escape(s))).collect();
    let error_html = failed_login
        .map(|(_, e)| format!("<p class=\"error\" role=\"alert\">{}</p>", escape(e)))
        .unwrap_or_default();
    let login = failed_login.map(|(login, _)| escape(login)).unwrap_or_default();
    let fields = [
        hidden("csrf_token", Some(csrf)),
        hidden("response_type", Some("code")),
        hidden("client_id", Some(&params.client_id)),
        hidden("redirect_uri", Some(redirect_uri)),
        hidden("scope", Some(&scopes.join(" "))),
        hidden("state", params.state.as_deref()),
        hidden("code_challenge", params.code_challenge.as_deref()),
        hidden("code_challenge_method", params.code_challenge_method.as_deref()),
    ]
    .concat();
    let sso_form = methods
        .sso_button
        .map(|words| {
            format!(
                r#"<form method="post" action="/oauth/authorize/oidc">
{fields}
<div class="buttons"><button class="approve" type="submit" id="sso">{words}</button></div>
</form>"#,
                words = escape(words)
            )
        })
        .unwrap_or_default();
    let local = if methods.local { hidden("local", Some("1")) } else { String::new() };
    let password_form = if methods.password || methods.local {
        format!(
            r#"<form method="post" action="/oauth/authorize">
{fields}{local}
<label for="login">Email or username</label>
<input type="text" id="login" name="login" value="{login}" autocomplete="username" autofocus required>
<label for="password">Password</label>
<input type="password" id="password" name="password" autocomplete="current-password">
<div class="buttons">
<button class="approve" type="submit" name="decision" value="approve">Authorize</button>
<button class="deny" type="submit" name="decision" value="deny" formnovalidate>Deny</button>
</div>
</form>"#
        )
    } else {
        String::new()
    };
    let body = format!(
        r#"<h1>Sign in to {instance}</h1>
<p><strong>{app}</strong> asks for access to your account with these permissions:</p>
<ul class="scopes">{scope_items}</ul>
{error_html}
{sso_form}
{password_form}"#,
        instance = escape(&settings.title),
        app = escape(app_name),
    );
    layout(settings, "Authorize", &body)
}

pub fn show_code(settings: &Settings, code: &str) -> String {
    let body = format!(
        "<h1>Authorization code</h1><p>Copy this code and paste it into the application:</p><code class=\"authcode\" id=\"code\">{}</code>",
        escape(code)
    );
    layout(settings, "Authorization code", &body)
}

pub fn error(settings: &Settings, message: &str) -> String {
    let body = format!("<h1>Cannot authorize</h1><p class=\"error\">{}</p>", escape(message));
    layout(settings, "Error", &body)
}
