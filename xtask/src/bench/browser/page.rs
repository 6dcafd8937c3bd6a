//! The host page: the same article for every widget, the probe first in
//! its head, and the widget's own embed code (as its docs give it) at the
//! end of its body.

use super::Widget;

const PROBE: &str = include_str!("probe.js");

const ARTICLE: &str = "\
<header><h1>Garden notes</h1><p>Seasonal advice from a small nursery.</p></header>
<main>
<article>
<h2>Preparing beds for winter</h2>
<p>Clear spent annuals, leave seed heads for the birds, and cover bare soil with a
mulch of leaves or compost. A covered bed keeps its structure through the rain and
is ready to plant as soon as the ground warms.</p>
<p>Perennials that flowered late can be cut back in spring instead: their stems shelter
insects and mark where they are when the beds look empty.</p>
<h2>Planting bulbs</h2>
<p>Plant tulips once the nights are cold, three times as deep as the bulb is tall.
Daffodils and crocuses go in earlier. Water once after planting, then leave them be.</p>
<h2>Tools</h2>
<p>Clean and oil blades before storing them; a dry shed and a bucket of sand with a little
oil keep spades and forks from rusting.</p>
</article>
</main>
<footer><p>Garden notes — open every day but Monday.</p></footer>
";

/// The host page for `widget`.
pub fn html(widget: &Widget) -> String {
    format!(
        "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>Garden notes</title>\n<link rel=\"icon\" href=\"data:,\">\n\
         <script>\n{PROBE}</script>\n\
         <script>\n__bench.widget = {hooks};\n</script>\n\
         <style>body{{font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem;color:#222}}</style>\n\
         </head>\n<body>\n{ARTICLE}{snippet}\n</body>\n</html>\n",
        hooks = widget.hooks,
        snippet = widget.snippet,
    )
}
