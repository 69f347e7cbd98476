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

email! {
    /// Tells a candidate their report is ready, with the link to it.
    InterviewResults<'a> from ["interview_results/subject.txt", "interview_results/body.html", "interview_results/body.txt"] {
        greeting_name: &'a str,
        /// e.g. "Senior Backend Engineer · fintech startup"
        track_title: &'a str,
        verdict_label: &'a str,
        headline: &'a str,
        score: u8,
        summary: &'a str,
        strengths: &'a [String],
        improvements: &'a [String],
        /// Absolute link to the results page.
        link: &'a str,
    }
}

email! {
    /// Confirms a new subscription.
    SubscriptionActivated<'a> from [
        "subscription_activated/subject.txt",
        "subscription_activated/body.html",
        "subscription_activated/body.txt"
    ] {
        greeting_name: &'a str,
        organization_name: &'a str,
        plan_name: &'a str,
        /// e.g. "30 interviews each month"
        allowance: &'a str,
        /// The billing page.
        link: &'a str,
    }
}

email! {
    /// A subscription payment failed; the plan stays during the grace period.
    PaymentFailed<'a> from ["payment_failed/subject.txt", "payment_failed/body.html", "payment_failed/body.txt"] {
        greeting_name: &'a str,
        organization_name: &'a str,
        grace_days: u32,
        link: &'a str,
    }
}

email! {
    /// The subscription ended; the organization is back on the free plan.
    SubscriptionCanceled<'a> from [
        "subscription_canceled/subject.txt",
        "subscription_canceled/body.html",
        "subscription_canceled/body.txt"
    ] {
        greeting_name: &'a str,
        organization_name: &'a str,
        link: &'a str,
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

    fn owned(items: &[&str]) -> Vec<String> {
        items.iter().map(|item| (*item).to_owned()).collect()
    }

    #[test]
    fn interview_results_email_renders_summary_and_link_in_both_parts() {
        let strengths = owned(&[
            "Chose a base62 counter for short codes and said why it avoids collisions.",
            "Recognised that redirects dominate the traffic.",
            "Named several remedies for hot keys.",
            "Kept answers concise.",
        ]);
        let improvements = owned(&[
            "Start with requirements and a capacity estimate.",
            "State the trade-off of every choice.",
        ]);
        let email = InterviewResults {
            greeting_name: "Ada",
            track_title: "Senior Backend Engineer · fintech startup",
            verdict_label: "NEEDS WORK",
            headline: "Promising, with clear gaps",
            score: 48,
            summary: "Sensible building blocks, but no requirements or estimates to justify them.",
            strengths: &strengths,
            improvements: &improvements,
            link: "https://rehearse.example/r/abc123",
        }
        .render()
        .unwrap();
        assert_eq!(
            email.subject,
            "Your Rehearse results: Senior Backend Engineer · fintech startup"
        );
        // At most three strengths and three improvements.
        assert!(!email.html.contains("Kept answers concise."));
        assert!(!email.text.contains("Kept answers concise."));
        insta::assert_snapshot!("interview_results_html", email.html);
        insta::assert_snapshot!("interview_results_text", email.text);
    }

    #[test]
    fn interview_results_html_escapes_user_supplied_text() {
        let strengths = owned(&["<img src=x onerror=alert(1)>"]);
        let improvements = owned(&["Say \"why\" & <em>when</em>"]);
        let email = InterviewResults {
            greeting_name: "<b>Ada</b>",
            track_title: "Backend",
            verdict_label: "STRONG",
            headline: "A convincing performance",
            score: 72,
            summary: "<script>alert(1)</script>",
            strengths: &strengths,
            improvements: &improvements,
            link: "https://rehearse.example/r/abc123",
        }
        .render()
        .unwrap();
        for raw in ["<script>", "<img", "<em>", "<b>Ada"] {
            assert!(!email.html.contains(raw), "{raw} reached the HTML part unescaped");
        }
        assert!(email.html.contains("&lt;script&gt;") || email.html.contains("&#60;script&#62;"));
        assert!(email.html.contains("&lt;img") || email.html.contains("&#60;img"));
        // The text part is not HTML and must not be entity-encoded.
        assert!(email.text.contains("<script>alert(1)</script>"));
        assert!(email.text.contains("- <img src=x onerror=alert(1)>"));
        assert!(email.text.contains("Say \"why\" & <em>when</em>"));
    }

    #[test]
    fn billing_emails_render() {
        let activated = SubscriptionActivated {
            greeting_name: "Ada",
            organization_name: "Acme",
            plan_name: "Pro",
            allowance: "30 interviews each month",
            link: "https://rehearse.example/billing",
        }
        .render()
        .unwrap();
        assert_eq!(activated.subject, "Your Rehearse Pro plan is active");
        insta::assert_snapshot!("subscription_activated_text", activated.text);
        let failed = PaymentFailed {
            greeting_name: "Ada",
            organization_name: "Acme",
            grace_days: 7,
            link: "https://rehearse.example/billing",
        }
        .render()
        .unwrap();
        assert!(failed.html.contains("7 more days"));
        insta::assert_snapshot!("payment_failed_text", failed.text);
        let canceled = SubscriptionCanceled {
            greeting_name: "Ada",
            organization_name: "Acme",
            link: "https://rehearse.example/billing",
        }
        .render()
        .unwrap();
        assert!(canceled.subject.contains("Acme"));
        insta::assert_snapshot!("subscription_canceled_text", canceled.text);
    }
}
