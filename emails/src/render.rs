use askama::Template;

/// A rendered email, ready to be stored in the outbox and sent.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct RenderedEmail {
    pub subject: String,
    pub html: String,
    pub text: String,
}

/// A template failed to render: a bug in a template, never bad user data.
#[derive(Debug, thiserror::Error)]
#[error("failed to render the {template} email")]
pub struct RenderError {
    template: &'static str,
    #[source]
    source: askama::Error,
}

fn render_parts(
    template: &'static str,
    subject: &impl Template,
    html: &impl Template,
    text: &impl Template,
) -> Result<RenderedEmail, RenderError> {
    let wrap = |source| RenderError { template, source };
    Ok(RenderedEmail {
        // A subject is one line whatever the template's trailing whitespace.
        subject: subject.render().map_err(wrap)?.trim().to_owned(),
        html: html.render().map_err(wrap)?,
        text: text.render().map_err(wrap)?,
    })
}

/// Declares one email: its public data struct (every field `Copy`, usually borrowed),
/// the three templates of its folder, and its `render()`.
macro_rules! email {
    (
        $(#[$doc:meta])*
        $name:ident<$lt:lifetime> from [$subject:literal, $html:literal, $text:literal] {
            $($(#[$fdoc:meta])* $field:ident: $ty:ty,)*
        }
    ) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy)]
        pub struct $name<$lt> {
            $($(#[$fdoc])* pub $field: $ty,)*
        }

        impl<$lt> $name<$lt> {
            pub fn render(&self) -> Result<RenderedEmail, RenderError> {
                #[derive(Template)]
                #[template(path = $subject)]
                #[allow(dead_code)] // a subject may use none of the fields
                struct Subject<$lt> { $($field: $ty,)* }

                #[derive(Template)]
                #[template(path = $html)]
                struct Html<$lt> { $($field: $ty,)* }

                #[derive(Template)]
                #[template(path = $text)]
                struct Text<$lt> { $($field: $ty,)* }

                render_parts(
                    stringify!($name),
                    &Subject { $($field: self.$field,)* },
                    &Html { $($field: self.$field,)* },
                    &Text { $($field: self.$field,)* },
                )
            }
        }
    };
}

email! {
    /// Asks a new user to confirm their address.
    VerifyEmail<'a> from ["verify_email/subject.txt", "verify_email/body.html", "verify_email/body.txt"] {
        /// The user's name, or their email address when they gave no name.
        greeting_name: &'a str,
        /// Absolute link that confirms the address (carries the one-time token).
        link: &'a str,
        expires_in_hours: u32,
    }
}

email! {
    /// Carries a password-reset link.
    PasswordReset<'a> from ["password_reset/subject.txt", "password_reset/body.html", "password_reset/body.txt"] {
        greeting_name: &'a str,
        /// Absolute link to the reset form (carries the one-time token).
        link: &'a str,
        expires_in_minutes: u32,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn verification_email_renders_link_in_both_parts() {
        let email = VerifyEmail {
            greeting_name: "Ada",
            link: "https://rehearse.example/verify-email?token=abc123",
            expires_in_hours: 48,
        }
        .render()
        .unwrap();
        assert_eq!(email.subject, "Confirm your email address for Rehearse");
        insta::assert_snapshot!("verify_email_html", email.html);
        insta::assert_snapshot!("verify_email_text", email.text);
    }

    #[test]
    fn password_reset_email_renders_link_in_both_parts() {
        let email = PasswordReset {
            greeting_name: "Ada",
            link: "https://rehearse.example/reset-password?token=abc123",
            expires_in_minutes: 60,
        }
        .render()
        .unwrap();
        assert_eq!(email.subject, "Reset your Rehearse password");
        insta::assert_snapshot!("password_reset_html", email.html);
        insta::assert_snapshot!("password_reset_text", email.text);
    }

    #[test]
    fn html_escapes_user_supplied_names() {
        let email = VerifyEmail {
            greeting_name: "<script>alert(1)</script>",
            link: "https://rehearse.example/verify-email?token=a&b",
            expires_in_hours: 48,
        }
        .render()
        .unwrap();
        assert!(!email.html.contains("<script>"));
        assert!(email.html.contains("&lt;script&gt;") || email.html.contains("&#60;script&#62;"));
        // The text part is not HTML and must not be entity-encoded.
        assert!(email.text.contains("<script>alert(1)</script>"));
    }
}
