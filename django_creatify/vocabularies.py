"""The values Creatify documents for the families' choice-like fields.

Named once here for the create validation (API and admin), the admin's filters and the
sandbox, which imports it without Django. The mirror itself stores whatever Creatify
sends, so a value added later is kept too.
"""

ASPECT_RATIOS = ("9x16", "16x9", "1x1")
#: Lipsync and Lipsync v2: ``standard`` is the default.
AVATAR_MODEL_VERSIONS = ("standard", "aurora_v1", "aurora_v1_fast")
CAPTION_STYLES = (
    "normal-black",
    "normal-white",
    "normal-red",
    "normal-blue",
    "neo",
    "brick",
    "frenzy",
    "verana",
    "mustard",
    "glow",
    "mint",
    "coolers",
    "bilo",
    "toons",
    "deep-blue",
    "mystique",
    "caution",
    "duality",
)
SHORTS_STYLES = (
    "4K realistic",
    "3D",
    "Cinematic",
    "Cartoonish",
    "Line art",
    "Pixel art",
    "Mysterious",
    "Steam punk",
    "Collage",
    "Kawaii",
)
PERMISSION_TYPES = ("private", "workspace", "public")
