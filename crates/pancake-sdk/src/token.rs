//! The kinds of token the APIs take (re-exported as [`crate::auth::TokenKind`]).

/// Which of the two tokens an operation needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TokenKind {
    /// A page token: Botcake's `access-token`, Pancake's page `access_token`.
    Page,
    /// A Pancake user token (account settings; valid about 90 days).
    User,
}

impl TokenKind {
    /// How users know this token.
    pub fn describe(self) -> &'static str {
        match self {
            TokenKind::Page => "page access token",
            TokenKind::User => "user access token",
        }
    }
}
