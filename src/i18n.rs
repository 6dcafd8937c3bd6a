//! Every string the visitor can see, in one place, in English and French.

/// A supported language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Locale {
    /// English.
    #[default]
    En,
    /// French.
    Fr,
}

impl Locale {
    /// Picks a locale from a BCP 47 tag (`fr-CA` → French); English otherwise.
    pub fn from_tag(tag: &str) -> Self {
        let primary = tag
            .split(['-', '_'])
            .next()
            .unwrap_or("")
            .to_ascii_lowercase();
        match primary.as_str() {
            "fr" => Locale::Fr,
            _ => Locale::En,
        }
    }
}

/// The keys of visible strings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(missing_docs)]
pub enum Text {
    OpenChat,
    CloseChat,
    Title,
    Subtitle,
    Placeholder,
    Send,
    Connecting,
    Reconnecting,
    Offline,
    SessionEnded,
    Unavailable,
    UnavailableSiteOwner,
    Retry,
    SendFailed,
    Sending,
    PoweredBy,
    Greeting,
    Messages,
    RetryingIn,
    Seconds,
    RetryNow,
    StartOver,
    WaitingToSend,
    ReplyFailed,
}

/// The string for `text` in `locale`.
pub fn t(locale: Locale, text: Text) -> &'static str {
    use Text::*;
    match (locale, text) {
        (Locale::En, OpenChat) => "Open chat",
        (Locale::Fr, OpenChat) => "Ouvrir la discussion",
        (Locale::En, CloseChat) => "Close chat",
        (Locale::Fr, CloseChat) => "Fermer la discussion",
        (Locale::En, Title) => "Chat with us",
        (Locale::Fr, Title) => "Discutons",
        (Locale::En, Subtitle) => "We usually answer right away",
        (Locale::Fr, Subtitle) => "Nous répondons en général tout de suite",
        (Locale::En, Placeholder) => "Type your message…",
        (Locale::Fr, Placeholder) => "Écrivez votre message…",
        (Locale::En, Send) => "Send",
        (Locale::Fr, Send) => "Envoyer",
        (Locale::En, Connecting) => "Connecting…",
        (Locale::Fr, Connecting) => "Connexion…",
        (Locale::En, Reconnecting) => "Connection lost — reconnecting…",
        (Locale::Fr, Reconnecting) => "Connexion perdue — reconnexion…",
        (Locale::En, Offline) => "You are offline — messages will be sent when you are back.",
        (Locale::Fr, Offline) => {
            "Vous êtes hors ligne — les messages partiront à votre retour."
        }
        (Locale::En, SessionEnded) => "This conversation has ended.",
        (Locale::Fr, SessionEnded) => "Cette conversation est terminée.",
        (Locale::En, Unavailable) => "Chat is unavailable right now.",
        (Locale::Fr, Unavailable) => "La discussion n’est pas disponible pour le moment.",
        (Locale::En, UnavailableSiteOwner) => {
            "Chat is unavailable right now. The site owner has been told how to fix it."
        }
        (Locale::Fr, UnavailableSiteOwner) => {
            "La discussion n’est pas disponible pour le moment. Le propriétaire du site sait comment la rétablir."
        }
        (Locale::En, Retry) => "Retry",
        (Locale::Fr, Retry) => "Réessayer",
        (Locale::En, SendFailed) => "Not sent.",
        (Locale::Fr, SendFailed) => "Non envoyé.",
        (Locale::En, Sending) => "Sending…",
        (Locale::Fr, Sending) => "Envoi…",
        (Locale::En, PoweredBy) => "Powered by Causette",
        (Locale::Fr, PoweredBy) => "Propulsé par Causette",
        (Locale::En, Greeting) => "Hello! Ask me anything about this site.",
        (Locale::Fr, Greeting) => "Bonjour ! Posez-moi vos questions sur ce site.",
        (Locale::En, Messages) => "Messages",
        (Locale::Fr, Messages) => "Messages",
        (Locale::En, RetryingIn) => "Connection lost — retrying in",
        (Locale::Fr, RetryingIn) => "Connexion perdue — nouvel essai dans",
        (_, Seconds) => "s",
        (Locale::En, RetryNow) => "Retry now",
        (Locale::Fr, RetryNow) => "Réessayer maintenant",
        (Locale::En, StartOver) => "Start a new conversation",
        (Locale::Fr, StartOver) => "Commencer une nouvelle conversation",
        (Locale::En, WaitingToSend) => "Will be sent when the connection is back.",
        (Locale::Fr, WaitingToSend) => "Partira dès le retour de la connexion.",
        (Locale::En, ReplyFailed) => {
            "The assistant is unavailable right now — your message is saved."
        }
        (Locale::Fr, ReplyFailed) => {
            "L’assistant n’est pas disponible pour le moment — votre message est enregistré."
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_pick_the_language() {
        assert_eq!(Locale::from_tag("fr"), Locale::Fr);
        assert_eq!(Locale::from_tag("fr-CA"), Locale::Fr);
        assert_eq!(Locale::from_tag("FR_fr"), Locale::Fr);
        assert_eq!(Locale::from_tag("en-GB"), Locale::En);
        assert_eq!(Locale::from_tag(""), Locale::En);
        assert_eq!(Locale::from_tag("de"), Locale::En);
    }

    #[test]
    fn french_differs_from_english_where_words_differ() {
        assert_ne!(t(Locale::Fr, Text::Send), t(Locale::En, Text::Send));
        assert_ne!(
            t(Locale::Fr, Text::Unavailable),
            t(Locale::En, Text::Unavailable)
        );
    }
}
