"""Networks between channels: who forwards, reuses, mentions and links whom; mixing between attribute groups
against a degree-preserving null; structure (strength, PageRank, components, communities); exports.

``analyse_network(corpus, NetworkOptions(...), group="location")`` builds, analyses and stores it all;
``channel_graph(corpus)`` gives the graph alone; ``measure_mixing(graph, "location")`` and ``measure_structure(graph)`` the analyses;
``write_graph(graph, "network.gexf")`` writes GEXF 1.3, GraphML, Parquet or CSV. Channel attributes (``location``,
``side``, ``owner`` …) come from the user's table (:func:`set_channel_attributes`, read back with
:func:`channel_attributes`). See docs/methods.md ("Channel networks").
"""

from .analysis import NetworkResult, analyse_network, headline, load_network
from .attributes import AttributeReport, channel_attributes, read_attribute_file, set_channel_attributes
from .export import write_graph
from .graphs import RELATIONS, ChannelGraph, NetworkOptions, build_graph, channel_graph
from .mixing import Mixing, MixingOptions, measure_mixing
from .simulate import ForwardWorld, simulate_forwards
from .structure import Structure, StructureOptions, measure_structure

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
