"""Networks between channels: who forwards, reuses, mentions and links whom; mixing between attribute groups
against a degree-preserving null; structure (strength, PageRank, components, communities); exports.

Channel attributes (``location``, ``side``, ``owner`` …) come from the user's table
(:func:`~narrascope.network.attributes.set_channel_attributes`) and are read back with
:func:`~narrascope.network.attributes.channel_attributes`.
"""

from .attributes import AttributeReport, channel_attributes, read_attribute_file, set_channel_attributes

__all__ = ["AttributeReport", "channel_attributes", "read_attribute_file", "set_channel_attributes"]
