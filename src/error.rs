//! One error type for the whole crate; it renders as Mastodon's `{"error": "..."}`.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("The access token is invalid")]
    InvalidToken,
    /// A federation request without a valid signature.
    #[error("{0}")]
    Unauthorized(String),
    #[error("This method requires an authenticated user")]
    UserRequired,
    /// `access.require_login`: what is open to everyone elsewhere needs a signed-in user here.
    #[error("This API requires an authenticated user")]
    LoginRequired,
    #[error("This action is outside the authorized scopes")]
    OutOfScope,
    #[error("Your login is currently disabled")]
    AccountDisabled,
    #[error("Your login is currently pending approval")]
    PendingApproval,
    #[error("{0}")]
    Forbidden(String),
    #[error("Not Found")]
    NotFound,
    #[error("{0}")]
    BadRequest(String),
    #[error("Validation failed: {0}")]
    Validation(String),
    #[error("{0}")]
    Unprocessable(String),
    #[error("{0}")]
    Conflict(String),
    #[error("Request body too large")]
    PayloadTooLarge,
    #[error("Too many requests")]
    RateLimited,
    #[error("Service temporarily unavailable")]
    Unavailable(String),
    /// The company directory cannot be asked (the cause is logged where it is known).
    #[error("The company directory cannot be reached. Please try again in a few minutes.")]
    DirectoryUnavailable,
    /// An OAuth endpoint's error, rendered as RFC 6749 `{"error": code, "error_description": …}`.
    #[error("{code}")]
    OAuth { status: u16, code: &'static str, description: String },
    #[error("Internal server error")]
    Internal(String),
    /// A read tried from the caches alone needs the database ([`crate::db::Database::read_cached`] then
    /// reads again with it); it never reaches a client.
    #[error("Internal server error")]
    NotCached,
    #[error("Internal server error")]
    Database(diesel::result::Error),
}

impl From<diesel::result::Error> for AppError {
    fn from(error: diesel::result::Error) -> Self {
        match error {
            diesel::result::Error::NotFound => AppError::NotFound,
            other => AppError::Database(other),
        }
    }
}

impl AppError {
    pub fn validation(message: impl Into<String>) -> Self {
        AppError::Validation(message.into())
    }

    pub fn oauth(status: u16, code: &'static str, description: impl Into<String>) -> Self {
        AppError::OAuth { status, code, description: description.into() }
    }

    /// The error for the log: what went wrong underneath, which the client's message keeps to itself.
    pub fn cause(&self) -> String {
        match self {
            AppError::Internal(detail) | AppError::Unavailable(detail) => detail.clone(),
            AppError::Database(error) => format!("database: {error}"),
            other => other.to_string(),
        }
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        AppError::BadRequest(message.into())
    }

    /// True for a unique-constraint violation, which callers treat as "it already exists".
    pub fn is_unique_violation(&self) -> bool {
        matches!(
            self,
            AppError::Database(diesel::result::Error::DatabaseError(
                diesel::result::DatabaseErrorKind::UniqueViolation,
                _
            ))
        )
    }
}

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        match self {
            AppError::InvalidToken | AppError::Unauthorized(_) | AppError::LoginRequired => StatusCode::UNAUTHORIZED,
            AppError::OutOfScope
            | AppError::AccountDisabled
            | AppError::PendingApproval
            | AppError::Forbidden(_) => StatusCode::FORBIDDEN,
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::Validation(_) | AppError::Unprocessable(_) | AppError::UserRequired => {
                StatusCode::UNPROCESSABLE_ENTITY
            }
            AppError::Conflict(_) => StatusCode::CONFLICT,
            AppError::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::RateLimited => StatusCode::TOO_MANY_REQUESTS,
            AppError::Unavailable(_) | AppError::DirectoryUnavailable => StatusCode::SERVICE_UNAVAILABLE,
            AppError::OAuth { status, .. } => StatusCode::from_u16(*status).unwrap_or(StatusCode::BAD_REQUEST),
            AppError::Internal(_) | AppError::Database(_) | AppError::NotCached => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        match self {
            AppError::Internal(detail) => log::error!("internal error: {detail}"),
            AppError::Database(detail) => log::error!("database error: {detail}"),
            AppError::Unavailable(detail) => log::warn!("unavailable: {detail}"),
            AppError::OAuth { code, description, .. } => {
                return HttpResponse::build(self.status_code())
                    .json(serde_json::json!({ "error": code, "error_description": description }))
            }
            _ => {}
        }
        HttpResponse::build(self.status_code()).json(serde_json::json!({ "error": self.to_string() }))
    }
}

pub type AppResult<T> = Result<T, AppError>;
