//! The widget's view: small components named for what they show.

mod composer;
mod launcher;
mod message_list;
mod panel;
mod status_line;
mod widget;

pub use composer::Composer;
pub use launcher::Launcher;
pub use message_list::MessageList;
pub use panel::Panel;
pub use status_line::StatusLine;
pub use widget::{Control, Widget};
