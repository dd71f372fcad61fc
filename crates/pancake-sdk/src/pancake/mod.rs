//! The Pancake (pages.fm) API: conversations, messages, customers, posts, call logs, tags,
//! statistics, pages, and sending messages.
//!
//! Make a client with [`Client::builder`], giving the page token, the user token, or both:
//! each operation uses the one its route needs.

mod generated;
mod operations;

pub use operations::{API, Client, builder, types};

impl types::SendMessageRequest {
    /// An inbox text message (`action: reply_inbox`).
    pub fn inbox_text(text: impl Into<String>) -> Self {
        types::SendMessageRequest::ReplyInbox {
            message: Some(text.into()),
            attachment_type: None,
            content_url: None,
            mime_type: None,
            name: None,
            thread_key: None,
        }
    }

    /// An inbox attachment (`action: reply_inbox`): the file at `content_url`.
    pub fn inbox_attachment(
        content_url: impl Into<String>,
        kind: types::AttachmentType,
        mime_type: impl Into<String>,
        name: impl Into<String>,
    ) -> Self {
        types::SendMessageRequest::ReplyInbox {
            message: None,
            attachment_type: Some(kind),
            content_url: Some(content_url.into()),
            mime_type: Some(mime_type.into()),
            name: Some(name.into()),
            thread_key: None,
        }
    }

    /// A private reply to the comment `comment_id` on `post_id` (`action: private_replies`):
    /// once per comment, only to comments at most 7 days old. Fails on an empty id or text.
    pub fn private_reply(
        post_id: impl Into<String>,
        comment_id: impl Into<String>,
        text: impl Into<String>,
    ) -> Result<Self, crate::Error> {
        let post_id =
            post_id.into().try_into().map_err(|_| crate::Error::invalid("post_id", "must not be empty"))?;
        let message =
            text.into().try_into().map_err(|_| crate::Error::invalid("message", "must not be empty"))?;
        let comment_id = comment_id.into();
        if comment_id.trim().is_empty() {
            return Err(crate::Error::invalid("message_id", "the comment id must not be empty"));
        }
        Ok(types::SendMessageRequest::PrivateReplies {
            post_id,
            message,
            message_id: Some(comment_id),
            from_id: None,
        })
    }
}

impl types::SendPageMessageRequest {
    /// An inbox text message (`action: reply_inbox`, `message`).
    pub fn inbox_text(text: impl Into<String>) -> Self {
        Self::inbox(Some(text.into()), None)
    }

    /// Uploaded media in an inbox (`action: reply_inbox`, `content_ids` from `upload_content`).
    pub fn inbox_media(content_ids: impl IntoIterator<Item = impl Into<String>>) -> Self {
        Self::inbox(None, Some(content_ids.into_iter().map(Into::into).collect()))
    }

    /// A public reply to the comment `comment_id` (`action: reply_comment`).
    pub fn comment_reply(comment_id: impl Into<String>, text: impl Into<String>) -> Self {
        types::SendPageMessageRequest::ReplyComment {
            message_id: comment_id.into(),
            message: text.into(),
            content_ids: None,
            mentions: None,
            sender_id: None,
        }
    }

    fn inbox(message: Option<String>, content_ids: Option<Vec<String>>) -> Self {
        types::SendPageMessageRequest::ReplyInbox {
            message,
            content_ids,
            filename: None,
            reply_message_id: None,
            sender_id: None,
            template_id: None,
            template_params: None,
        }
    }
}
