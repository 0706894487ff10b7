"""Networks between channels: who forwards, reuses, mentions and links whom; mixing between attribute groups
against a degree-preserving null; structure (strength, PageRank, components, communities); exports.

``analyse_network(corpus, NetworkOptions(...), group="location")`` builds, analyses and stores it all;
``channel_graph(corpus)`` gives the graph alone; ``measure_mixing(graph, "location")`` and ``measure_structure(graph)`` the analyses;
``write_graph(graph, "network.gexf")`` writes GEXF 1.3, GraphML, Parquet or CSV. Channel attributes (``location``,
``side``, ``owner`` …) come from the user's table (:func:`set_channel_attributes`, read back with
:func:`channel_attributes`). See docs/methods.md ("Channel networks").
"""

from typing import TYPE_CHECKING

from .._lazy import lazy_exports
from .options import RELATIONS, MixingOptions, NetworkOptions, StructureOptions

_EXPORTS = {
    "AttributeReport": ".attributes",
    "ChannelGraph": ".graphs",
    "ForwardWorld": ".simulate",
    "Mixing": ".mixing",
    "NetworkResult": ".analysis",
    "Structure": ".structure",
    "analyse_network": ".analysis",
    "build_graph": ".graphs",
    "channel_attributes": ".attributes",
    "channel_graph": ".graphs",
    "headline": ".analysis",
    "load_network": ".analysis",
    "measure_mixing": ".mixing",
    "measure_structure": ".structure",
    "read_attribute_file": ".attributes",
    "set_channel_attributes": ".attributes",
    "simulate_forwards": ".simulate",
    "write_graph": ".export",
}

__all__ = [
    "RELATIONS",
    "AttributeReport",
    "ChannelGraph",
    "ForwardWorld",
    "Mixing",
    "MixingOptions",
    "NetworkOptions",
    "NetworkResult",
    "Structure",
    "StructureOptions",
    "analyse_network",
    "build_graph",
    "channel_attributes",
    "channel_graph",
    "headline",
    "load_network",
    "measure_mixing",
    "measure_structure",
    "read_attribute_file",
    "set_channel_attributes",
    "simulate_forwards",
    "write_graph",
]


# the names above, imported on first use (narrascope._lazy): the options (the CLI's flags) need no polars or
# scipy.
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)


if TYPE_CHECKING:  # for type checkers and IDEs: the same names, imported eagerly
    from .analysis import NetworkResult, analyse_network, headline, load_network
    from .attributes import AttributeReport, channel_attributes, read_attribute_file, set_channel_attributes
    from .export import write_graph
    from .graphs import ChannelGraph, build_graph, channel_graph
    from .mixing import Mixing, measure_mixing
    from .simulate import ForwardWorld, simulate_forwards
    from .structure import Structure, measure_structure
