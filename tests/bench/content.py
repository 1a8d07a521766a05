"""Text for the benchmark dataset: a few Markdown templates rendered ONCE by wiki.rendering.render,
then reused with word substitutions (rendering 150,000 revisions would take longer than seeding)."""
from wiki.rendering import render
from wiki.text import slugify

# every page mentions these: the "common word" searches
COMMON_WORDS = ("battery", "screen", "support")
# each planted in a handful of pages: the "rare word" searches
RARE_WORDS = ("quasselbox", "vortigaunt", "zymoscope", "plinthwise", "gorblimey", "snarkfold",
              "wibbleton", "crumhorny", "flumpery", "jabberlux")
ADJECTIVES = ("fast", "quiet", "bright", "sturdy", "clever", "compact", "modular", "smooth",
              "reliable", "portable", "secure", "silent", "smart", "tiny", "rugged", "elegant")
NOUNS = ("checkout", "dashboard", "charger", "keyboard", "camera", "speaker", "router", "sensor",
         "display", "backup", "login", "export", "sync", "widget", "hinge", "stylus", "firmware",
         "timeline", "calendar", "printer")
FILLER = ("sunrise", "harbour", "meadow", "lantern", "orchard", "granite", "velvet", "compass")

PLACEHOLDERS = ("QQTITLEQQ", "QQPRODUCTQQ", "QQWORDAQQ", "QQWORDBQQ", "QQRAREQQ", "QQLINKAQQ",
                "QQLINKBQQ")

TEMPLATES = [
    """# QQTITLEQQ

I have used QQPRODUCTQQ every day for a year. The battery lasts two days, the screen is sharp
and support answered within a day. The QQWORDAQQ works well, the QQWORDBQQ less so.

## What is good

- Battery life: two full days of normal use.
- The screen stays readable in sunlight.
- Setup took five minutes; see [[QQLINKAQQ]] for the details.

## What could be better

The QQWORDBQQ takes too long to start, and QQRAREQQ happens now and then. Compare with
[[QQLINKBQQ]].

| Aspect | Score |
| --- | --- |
| Battery | 4 |
| Screen | 5 |
| Support | 3 |
""",
    """# QQTITLEQQ

**Proposal:** make the QQWORDAQQ of QQPRODUCTQQ remember my last choice.

Today, every time I open it I have to pick the same options again. With a small change the
QQWORDAQQ could keep my settings, which saves battery and keeps the screen uncluttered. Support
told me many customers asked for this; see [[QQLINKAQQ]].

1. Remember the last QQWORDBQQ.
2. Offer a reset button.
3. Sync the choice between devices (QQRAREQQ).

> This would help everyone who uses the QQWORDAQQ daily.

Related: [[QQLINKBQQ]].
""",
    """# QQTITLEQQ

If you are choosing a QQWORDAQQ, I recommend QQPRODUCTQQ for most people.

## Why

Its battery is the best in its class, the screen is bright, and support is friendly. The
QQWORDBQQ is solid too. Read [[QQLINKAQQ]] before buying, and [[QQLINKBQQ]] for an alternative.

## Who should skip it

People who need QQRAREQQ or a larger screen.

```
settings: default
battery-saver: on
```
""",
    """# QQTITLEQQ

A short guide to the QQWORDAQQ and the QQWORDBQQ of QQPRODUCTQQ.

### Getting started

Charge the battery fully, then turn the screen brightness to automatic. If something goes wrong,
contact support: they answer quickly. More in [[QQLINKAQQ]].

### Tips

- Hold the button for three seconds to restart.
- Use QQRAREQQ mode when travelling.
- See also [[QQLINKBQQ]].

Footnotes are supported too.[^1]

[^1]: Tested with the latest firmware.
""",
]

COMMENT_TEMPLATES = [
    "I agree, the battery is the best part.",
    "Has anyone tried this with the **QQWORDAQQ**? Support could not tell me.",
    "Same here: the screen flickers after an update. See [[QQLINKAQQ]].",
    "Thanks, this helped me choose.\n\n- clear\n- honest",
    "+1, please do this soon.",
]

RESPONSE_TEMPLATE = "Thanks for the idea. The team looked at the **QQWORDAQQ** and support data."


class Template:
    """A Markdown source and its rendered HTML, filled by plain string replacement."""

    def __init__(self, source):
        self.source = source
        self.html, _ = render(source, exists=lambda slug: True)

    def fill(self, values):
        source, html = self.source, self.html
        for key, value in values.items():
            source = source.replace(key, value)
            html = html.replace(key, value).replace(key.lower(), slugify(value))
        return source, html


def rendered_templates():
    return ([Template(t) for t in TEMPLATES], [Template(t) for t in COMMENT_TEMPLATES],
            Template(RESPONSE_TEMPLATE))
