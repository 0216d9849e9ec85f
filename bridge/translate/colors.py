"""Google event colours ⇄ RFC 7986 ``COLOR`` (a CSS3 colour name).

Google's event palette (``colors.get`` → ``event``) has eleven ids.  RFC 7986 wants a
CSS3 colour *name*, so each Google colour is mapped to a nearby CSS3 name and
``X-GOOGLE-COLOR-ID`` keeps the exact id alongside.

Mapping rule (squared RGB distance, ties broken by name/id order):

* ``color_id_for_css_name(name)`` — the Google colour nearest to the CSS colour.
* ``css_name_for_color_id(id)`` — the CSS name nearest to the Google colour *among the
  names that map back to that id*.  Plain nearest-name would not round-trip: Banana
  (#fbd75b) is nearest to ``sandybrown``, which is itself nearest to Tangerine
  (#ffb878).  Restricting to each id's own region makes
  ``color_id_for_css_name(css_name_for_color_id(i)) == i`` hold by construction.
"""

from __future__ import annotations

import functools

#: Google Calendar event palette, ids "1"–"11" (background colours, as colors.get returns them).
GOOGLE_EVENT_COLORS: dict[str, str] = {
    "1": "#a4bdfc", "2": "#7ae7bf", "3": "#dbadff", "4": "#ff887c", "5": "#fbd75b",
    "6": "#ffb878", "7": "#46d6db", "8": "#e1e1e1", "9": "#5484ed", "10": "#51b749",
    "11": "#dc2127",
}

#: The 147 CSS3 extended colour keywords (CSS Color Module Level 3, §4.3).
CSS3_COLORS: dict[str, str] = {
    "aliceblue": "#f0f8ff", "antiquewhite": "#faebd7", "aqua": "#00ffff", "aquamarine": "#7fffd4",
    "azure": "#f0ffff", "beige": "#f5f5dc", "bisque": "#ffe4c4", "black": "#000000",
    "blanchedalmond": "#ffebcd", "blue": "#0000ff", "blueviolet": "#8a2be2", "brown": "#a52a2a",
    "burlywood": "#deb887", "cadetblue": "#5f9ea0", "chartreuse": "#7fff00",
    "chocolate": "#d2691e", "coral": "#ff7f50", "cornflowerblue": "#6495ed",
    "cornsilk": "#fff8dc", "crimson": "#dc143c", "cyan": "#00ffff", "darkblue": "#00008b",
    "darkcyan": "#008b8b", "darkgoldenrod": "#b8860b", "darkgray": "#a9a9a9",
    "darkgreen": "#006400", "darkgrey": "#a9a9a9", "darkkhaki": "#bdb76b",
    "darkmagenta": "#8b008b", "darkolivegreen": "#556b2f", "darkorange": "#ff8c00",
    "darkorchid": "#9932cc", "darkred": "#8b0000", "darksalmon": "#e9967a",
    "darkseagreen": "#8fbc8f", "darkslateblue": "#483d8b", "darkslategray": "#2f4f4f",
    "darkslategrey": "#2f4f4f", "darkturquoise": "#00ced1", "darkviolet": "#9400d3",
    "deeppink": "#ff1493", "deepskyblue": "#00bfff", "dimgray": "#696969", "dimgrey": "#696969",
    "dodgerblue": "#1e90ff", "firebrick": "#b22222", "floralwhite": "#fffaf0",
    "forestgreen": "#228b22", "fuchsia": "#ff00ff", "gainsboro": "#dcdcdc",
    "ghostwhite": "#f8f8ff", "gold": "#ffd700", "goldenrod": "#daa520", "gray": "#808080",
    "green": "#008000", "greenyellow": "#adff2f", "grey": "#808080", "honeydew": "#f0fff0",
    "hotpink": "#ff69b4", "indianred": "#cd5c5c", "indigo": "#4b0082", "ivory": "#fffff0",
    "khaki": "#f0e68c", "lavender": "#e6e6fa", "lavenderblush": "#fff0f5", "lawngreen": "#7cfc00",
    "lemonchiffon": "#fffacd", "lightblue": "#add8e6", "lightcoral": "#f08080",
    "lightcyan": "#e0ffff", "lightgoldenrodyellow": "#fafad2", "lightgray": "#d3d3d3",
    "lightgreen": "#90ee90", "lightgrey": "#d3d3d3", "lightpink": "#ffb6c1",
    "lightsalmon": "#ffa07a", "lightseagreen": "#20b2aa", "lightskyblue": "#87cefa",
    "lightslategray": "#778899", "lightslategrey": "#778899", "lightsteelblue": "#b0c4de",
    "lightyellow": "#ffffe0", "lime": "#00ff00", "limegreen": "#32cd32", "linen": "#faf0e6",
    "magenta": "#ff00ff", "maroon": "#800000", "mediumaquamarine": "#66cdaa",
    "mediumblue": "#0000cd", "mediumorchid": "#ba55d3", "mediumpurple": "#9370db",
    "mediumseagreen": "#3cb371", "mediumslateblue": "#7b68ee", "mediumspringgreen": "#00fa9a",
    "mediumturquoise": "#48d1cc", "mediumvioletred": "#c71585", "midnightblue": "#191970",
    "mintcream": "#f5fffa", "mistyrose": "#ffe4e1", "moccasin": "#ffe4b5",
    "navajowhite": "#ffdead", "navy": "#000080", "oldlace": "#fdf5e6", "olive": "#808000",
    "olivedrab": "#6b8e23", "orange": "#ffa500", "orangered": "#ff4500", "orchid": "#da70d6",
    "palegoldenrod": "#eee8aa", "palegreen": "#98fb98", "paleturquoise": "#afeeee",
    "palevioletred": "#db7093", "papayawhip": "#ffefd5", "peachpuff": "#ffdab9",
    "peru": "#cd853f", "pink": "#ffc0cb", "plum": "#dda0dd", "powderblue": "#b0e0e6",
    "purple": "#800080", "red": "#ff0000", "rosybrown": "#bc8f8f", "royalblue": "#4169e1",
    "saddlebrown": "#8b4513", "salmon": "#fa8072", "sandybrown": "#f4a460", "seagreen": "#2e8b57",
    "seashell": "#fff5ee", "sienna": "#a0522d", "silver": "#c0c0c0", "skyblue": "#87ceeb",
    "slateblue": "#6a5acd", "slategray": "#708090", "slategrey": "#708090", "snow": "#fffafa",
    "springgreen": "#00ff7f", "steelblue": "#4682b4", "tan": "#d2b48c", "teal": "#008080",
    "thistle": "#d8bfd8", "tomato": "#ff6347", "turquoise": "#40e0d0", "violet": "#ee82ee",
    "wheat": "#f5deb3", "white": "#ffffff", "whitesmoke": "#f5f5f5", "yellow": "#ffff00",
    "yellowgreen": "#9acd32",
}


def _rgb(hex_color: str) -> tuple[int, int, int] | None:
    value = hex_color.strip().lstrip("#")
    if len(value) == 3:
        value = "".join(ch * 2 for ch in value)
    if len(value) != 6:
        return None
    try:
        return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16)
    except ValueError:
        return None


def _distance(a: tuple[int, int, int], b: tuple[int, int, int]) -> int:
    return sum((x - y) ** 2 for x, y in zip(a, b))


def _nearest_color_id(rgb: tuple[int, int, int]) -> str:
    return min(GOOGLE_EVENT_COLORS,
               key=lambda cid: (_distance(rgb, _rgb(GOOGLE_EVENT_COLORS[cid])), int(cid)))


@functools.lru_cache(maxsize=None)
def _forward_table() -> dict[str, str]:
    region: dict[str, list[str]] = {cid: [] for cid in GOOGLE_EVENT_COLORS}
    for name, hex_color in CSS3_COLORS.items():
        region[_nearest_color_id(_rgb(hex_color))].append(name)
    table = {}
    for cid, hex_color in GOOGLE_EVENT_COLORS.items():
        target = _rgb(hex_color)
        table[cid] = min(region[cid], key=lambda n: (_distance(target, _rgb(CSS3_COLORS[n])), n))
    return table


def css_name_for_color_id(color_id: str | int | None) -> str | None:
    """The CSS3 colour name rendered for a Google event ``colorId``; None if unknown."""
    if color_id is None:
        return None
    return _forward_table().get(str(color_id).strip())


def color_id_for_css_name(color: str | None) -> str | None:
    """The Google event ``colorId`` nearest to a CSS3 colour name (or ``#rrggbb``).

    Case-insensitive; returns None for anything that is neither a CSS3 name nor a hex colour.
    """
    if not isinstance(color, str) or not color.strip():
        return None
    key = color.strip().lower()
    hex_color = CSS3_COLORS.get(key, key if key.startswith("#") else None)
    rgb = _rgb(hex_color) if hex_color else None
    return _nearest_color_id(rgb) if rgb is not None else None
