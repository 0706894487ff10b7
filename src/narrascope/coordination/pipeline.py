"""Coordination end to end: actions → co-actions → null worlds → tests → groups → sweep.

:func:`find_coordination_frame` runs on a polars frame of messages (the store's columns);
:func:`narrascope.coordination.find_coordination` reads the store, runs this and saves the tables. Steps:

1. every dated message becomes one action per object it carries (:mod:`.objects`);
2. actions on objects at least two actors touched are joined within the widest window needed (:mod:`.coaction`);
   the closest co-action of each (pair, object) is the evidence;
3. per window: edges (:mod:`.tables`); per null world (:mod:`.nulls`): the same counts after permuting every
   actor's times of day within (actor, block); p-values and Benjamini–Hochberg within the family of pairs that
   could co-act (:mod:`.significance`), expected pairs (:mod:`.exclusions`) in a family of their own;
4. per (window, α): reported edges = significant, ≥ ``min_weight`` objects, symmetry ≥ ``min_symmetry``, not
   expected; groups = their connected components, each with its own test (:mod:`.groups`);
5. the main setting's tables, and with ``sweep`` every setting's groups compared with the main ones (Jaccard).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import polars as pl

from ..dates import parse_bounds
from .coaction import CoActions, candidate_rows, observed_coactions
from .exclusions import expected_labels, parse_rules
from .groups import best_jaccard, components, group_pvalues
from .nulls import DAY, make_null_plan, null_counts
from .objects import Actions, extract_actions, object_labels
from .options import CoordinationOptions
from .significance import benjamini_hochberg, edge_pvalues, potential_pairs
from .tables import edge_table, evidence_table

__all__ = ["CoordinationResult", "CoordinationSteps", "coordination_from_actions", "find_coordination_frame"]

ProgressFn = Callable[[str], None]


@dataclass
class CoordinationResult:
    """Coordination found in a corpus; every table is a polars DataFrame.

    ``edges``/``evidence``/``groups``/``members`` are for the main setting (``options.window``, ``options.alpha``);
    ``settings`` has one row per (window, α) computed and ``stability`` one row per (main group, other setting)."""

    edges: pl.DataFrame
    evidence: pl.DataFrame
    groups: pl.DataFrame
    members: pl.DataFrame
    settings: pl.DataFrame
    stability: pl.DataFrame
    stats: dict[str, Any] = field(default_factory=dict)

    def group(self, group_id: str) -> pl.DataFrame:
        """The evidence behind one group: every co-action between two of its members."""
        ids = self.members.filter(pl.col("group_id") == group_id)["actor"].to_list()
        return self.evidence.filter(pl.col("actor_a").is_in(ids) & pl.col("actor_b").is_in(ids))

    def significant_groups(self) -> pl.DataFrame:
        """The groups that passed their test (what a report calls coordinated)."""
        return self.groups.filter(pl.col("significant")) if self.groups.height else self.groups

    def notable_edges(self, top: int = 20) -> pl.DataFrame:
        """Every reported edge, plus the first ``top`` other significant or tagged ones."""
        notable = self.edges.filter(pl.col("reported").fill_null(False) | pl.col("significant").fill_null(False)
                                    | pl.col("expected").is_not_null())
        return notable.head(max(top, notable.filter(pl.col("reported").fill_null(False)).height))

    def expected_pairs(self) -> pl.DataFrame:
        """Significant pairs tagged as expected co-posting (``--exclude-by``): they form no group."""
        return self.edges.filter(pl.col("expected").is_not_null() & pl.col("significant").fill_null(False))

    def one_sided_pairs(self, min_symmetry: float) -> pl.DataFrame:
        """Significant, untagged pairs below ``min_symmetry``: one actor co-acts a little with many."""
        return self.edges.filter(pl.col("significant").fill_null(False) & pl.col("expected").is_null()
                                 & (pl.col("symmetry") < min_symmetry))

    def one_sided_hub(self, min_symmetry: float) -> tuple[str, int] | None:
        """(label, pairs) of the actor in most one-sided pairs (an untagged aggregator?), or None."""
        lopsided = self.one_sided_pairs(min_symmetry)
        if lopsided.height == 0:
            return None
        label, count = pl.concat([lopsided["label_a"], lopsided["label_b"]]).value_counts(sort=True).row(0)
        return str(label), int(count)


@dataclass
class _Setting:
    window: int
    alpha: float
    p: np.ndarray
    exceed: np.ndarray
    tail: np.ndarray
    q: np.ndarray
    reported: np.ndarray
    groups: list[list[int]]
    group_obs: np.ndarray
    group_mean: np.ndarray
    group_p: np.ndarray


def _edge_codes(co: pl.DataFrame, n_actors: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    pairs = co.select("a", "b").unique().sort("a", "b")
    a = pairs["a"].to_numpy().astype(np.int64)
    b = pairs["b"].to_numpy().astype(np.int64)
    return a * n_actors + b, a, b


def _weights(co: pl.DataFrame, codes: np.ndarray, n_actors: int, window: int) -> np.ndarray:
    rows = co.filter(pl.col("lag") <= window)
    code = rows["a"].to_numpy().astype(np.int64) * n_actors + rows["b"].to_numpy()
    return np.bincount(np.searchsorted(codes, code), minlength=codes.size).astype(np.int64)


def _symmetry(co: pl.DataFrame, codes: np.ndarray, n_actors: int, window: int, weight: np.ndarray) -> np.ndarray:
    rows = co.filter(pl.col("lag") <= window)
    per = (pl.concat([rows.select(pl.col("a").alias("x"), "rank"), rows.select(pl.col("b").alias("x"), "rank")])
           .unique().group_by("x").len())
    objects = np.zeros(n_actors, np.int64)
    objects[per["x"].to_numpy()] = per["len"].to_numpy()
    busier = np.maximum(objects[codes // n_actors], objects[codes % n_actors])
    return np.where(busier > 0, weight / np.maximum(busier, 1), 0.0)


def _objects_per_post(post: np.ndarray, actor: np.ndarray, n_actors: int) -> np.ndarray:
    """Per actor: the most shared objects one of its posts carries (bounds the objects one co-action adds)."""
    out = np.ones(n_actors, np.int64)
    if post.size:
        per = (pl.DataFrame({"post": post, "actor": actor}).group_by("post").agg(pl.len(), pl.col("actor").first())
               .group_by("actor").agg(pl.col("len").max()))
        out[per["actor"].to_numpy()] = per["len"].to_numpy()
    return out


@dataclass(frozen=True)
class CoordinationSteps:
    """The two heavy steps of a run, as functions another engine may supply (narrascope.engines.spark does):
    ``coactions`` has :func:`~.coaction.observed_coactions`'s signature, ``null_counts`` :func:`~.nulls.null_counts`'s.
    Both must return exactly what the defaults return."""

    coactions: Callable[..., CoActions] = observed_coactions
    null_counts: Callable[..., np.ndarray] = null_counts


LabelsFn = Callable[[pl.DataFrame], pl.DataFrame]
"""labels(posts with post, uid) → (obj, kind, label) of the objects of those messages (:func:`.objects.object_labels`)."""


def find_coordination_frame(messages: pl.DataFrame, options: CoordinationOptions | None = None, *,
                            attributes: pl.DataFrame | None = None, clusters: pl.DataFrame | None = None,
                            progress: ProgressFn | None = None) -> CoordinationResult:
    """Test coordination among the actors of ``messages`` (columns of the store's ``messages`` table).

    ``attributes``: channel attributes (``channel_id`` + columns) for ``options.exclude_by``; ``clusters``:
    (uid, cluster) for near-duplicate objects (a reuse run's cascade of each message)."""
    options = options or CoordinationOptions()
    say = progress or (lambda _: None)
    clock = time.perf_counter()
    parse_rules(options.exclude_by)  # a bad rule is refused before any work
    frame = messages
    since, until = parse_bounds(options.since, options.until)
    if since or until:  # (the store path filters in SQL; this is for frames given directly)
        when = pl.col("posted_at").dt.convert_time_zone("UTC")  # the store's zone is "Etc/UTC"; naive is UTC
        within = pl.lit(True)
        if since:
            within = within & (when >= since)
        if until:
            within = within & (when < until)
        frame = frame.filter(within)
    say("extracting objects")
    acts = extract_actions(frame, options.objects, actors=options.actors, min_text_chars=options.min_text_chars,
                           clusters=clusters)

    def labels(posts: pl.DataFrame) -> pl.DataFrame:
        return object_labels(frame, posts, options.objects, options.min_text_chars, clusters)

    return coordination_from_actions(acts, options, attributes=attributes, labels=labels, progress=progress,
                                     timings={"objects": round(time.perf_counter() - clock, 3)})


def coordination_from_actions(acts: Actions, options: CoordinationOptions, *, attributes: pl.DataFrame | None = None,
                              labels: LabelsFn | None = None, progress: ProgressFn | None = None,
                              steps: CoordinationSteps | None = None,
                              timings: dict[str, float] | None = None) -> CoordinationResult:
    """The run after object extraction (:func:`find_coordination_frame` is extraction + this): co-actions, null
    worlds, tests, groups and tables. ``labels`` labels the evidence's objects (None: unlabelled); ``steps``
    replaces the heavy steps (an engine's)."""
    say = progress or (lambda _: None)
    steps = steps or CoordinationSteps()
    timings = dict(timings or {})
    clock = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal clock
        timings[name] = round(time.perf_counter() - clock, 3)
        clock = time.perf_counter()

    rules = parse_rules(options.exclude_by)
    stats: dict[str, Any] = {"messages": acts.posts.height, "actors": len(acts.actors), "actions": acts.size,
                             "nulls": options.nulls, "windows": list(options.windows), "timings": timings}
    mask = candidate_rows(acts.obj, acts.actor)
    objects, rank = np.unique(acts.obj[mask], return_inverse=True)
    actor_c, post_c, t_c = acts.actor[mask], acts.post[mask], acts.t[mask]
    stats.update(candidate_actions=int(mask.sum()), shared_objects=int(objects.size))
    say("joining co-actions")
    co = steps.coactions(rank, t_c, actor_c, post_c, acts.kind[mask], max(options.windows), objects)
    lap("coactions")
    n_actors = max(len(acts.actors), 1)
    codes, ua, ub = _edge_codes(co.frame, n_actors)
    expected = expected_labels(rules, attributes, acts.actors, ua, ub, acts.labels)
    is_expected = np.array([e is not None for e in expected], bool)
    weights = {w: _weights(co.frame, codes, n_actors, w) for w in options.windows}
    symmetry = {w: _symmetry(co.frame, codes, n_actors, w, weights[w]) for w in options.windows}
    stats["pairs_with_coaction"] = int(codes.size)
    phi = _objects_per_post(post_c, actor_c, n_actors)
    phi = np.minimum(phi[ua], phi[ub])
    null = None
    m_main = m_expected = 0
    if options.nulls > 0 and codes.size:
        pot = potential_pairs(rank, t_c // DAY, actor_c, n_actors)
        pot_expected = np.array([e is not None for e in expected_labels(
            rules, attributes, acts.actors, pot // n_actors, pot % n_actors, acts.labels)], bool)
        m_expected = int(pot_expected.sum())
        m_main = int(pot.size - m_expected)
        lap("family")
        say(f"{options.nulls} null worlds")
        plan = make_null_plan(rank, actor_c, post_c, acts.posts["actor"].to_numpy(), acts.posts["t"].to_numpy(),
                              codes, n_actors, options.windows, options.block_days)
        null = steps.null_counts(plan, options.nulls, options.seed, options.workers)
        lap("nulls")
    stats.update(family_size=m_main, expected_family_size=m_expected,
                 p_floor=(1.0 / (options.nulls + 1)) if options.nulls else None)
    settings: dict[tuple[int, float], _Setting] = {}
    for wi, window in enumerate(options.windows):
        w_null = null[wi] if null is not None else None
        if w_null is not None:
            p, exceed, tail = edge_pvalues(weights[window], w_null, phi)
        else:
            p, exceed, tail = np.full(codes.size, np.nan), np.zeros(codes.size, np.int64), np.zeros(codes.size, bool)
        q = np.full(codes.size, np.nan)
        if w_null is not None:
            q[~is_expected] = benjamini_hochberg(p[~is_expected], max(m_main, int((~is_expected).sum())))
            q[is_expected] = benjamini_hochberg(p[is_expected], max(m_expected, int(is_expected.sum())))
        for alpha in options.alphas:
            base = ((weights[window] >= options.min_weight) & (symmetry[window] >= options.min_symmetry)
                    & ~is_expected)
            reported = base & (q <= alpha) if w_null is not None else np.zeros(codes.size, bool)
            groups = components(ua[reported], ub[reported], n_actors)
            tested = ~is_expected
            g_obs, g_mean, g_p = group_pvalues(groups, ua[tested], ub[tested], weights[window][tested],
                                               w_null[:, tested] if w_null is not None else None)
            settings[(window, alpha)] = _Setting(window, alpha, p, exceed, tail, q, reported, groups, g_obs, g_mean, g_p)
    lap("tests")
    main = settings[(options.window, options.alpha)]
    result = _assemble(labels, acts, co, options, codes, expected, weights, symmetry, null, main, settings)
    lap("tables")
    stats["groups"] = int(result.groups.height)
    stats["reported_groups"] = int(result.groups["significant"].sum()) if result.groups.height else 0
    stats["reported_edges"] = int(main.reported.sum())
    result.stats = stats | result.stats
    return result


def _assemble(labels_fn: LabelsFn | None, acts: Actions, co: Any, options: CoordinationOptions, codes: np.ndarray,
              expected: list[str | None], weights: dict[int, np.ndarray], symmetry: dict[int, np.ndarray],
              null: np.ndarray | None, main: _Setting, settings: dict[tuple[int, float], _Setting]) -> CoordinationResult:
    from .results import empty_tables

    n_actors = max(len(acts.actors), 1)
    window = options.window
    wi = options.windows.index(window)
    edges = edge_table(co.frame, window, acts.actors, acts.labels)
    edge_codes = edges["a"].to_numpy().astype(np.int64) * n_actors + edges["b"].to_numpy()
    at = np.searchsorted(codes, edge_codes)
    group_of = np.full(n_actors, -1)
    for g, nodes in enumerate(main.groups):
        group_of[nodes] = g
    ga = group_of[edges["a"].to_numpy()]
    in_group = (ga >= 0) & main.reported[at]
    null_mean = null[wi][:, at].astype(np.float64).mean(axis=0) if null is not None else np.full(at.size, np.nan)
    edges = edges.with_columns(
        pl.Series("null_mean", null_mean), pl.Series("null_exceed", main.exceed[at].astype(np.int64)),
        pl.Series("p_value", main.p[at]),
        pl.Series("p_method", np.where(main.tail[at], "tail", "worlds") if null is not None else [None] * at.size,
                  dtype=pl.String),
        pl.Series("q_value", main.q[at]),
        pl.Series("significant", (main.q[at] <= options.alpha) if null is not None else np.zeros(at.size, bool)),
        pl.Series("expected", [expected[k] for k in at], dtype=pl.String),
        pl.Series("reported", main.reported[at]),
        pl.Series("group_id", [f"g{g + 1}" if ok else None for g, ok in zip(ga, in_group, strict=True)],
                  dtype=pl.String),
    ).with_columns(pl.col("p_value", "q_value", "null_mean").fill_nan(None))
    edges = edges.sort(["reported", "weight", "actor_a", "actor_b"], descending=[True, True, False, False]).drop(
        "a", "b")
    # evidence: every co-action within the main window, objects labelled from the messages concerned
    shown = co.frame.filter(pl.col("lag") <= window)
    involved = pl.concat([shown["post_a"], shown["post_b"]]).unique()
    posts = acts.posts.filter(pl.col("post").is_in(involved.implode()))
    labels = labels_fn(posts) if shown.height and labels_fn is not None else None
    evidence = evidence_table(co.frame, window, acts.posts, acts.actors, co.objects, labels)
    groups, members = _group_tables(acts, main, edges, evidence, options)
    settings_frame, stability = _sweep_tables(main, settings, acts, options)
    if groups.height and options.sweep and stability.height:
        summary = stability.group_by("group_id").agg(pl.col("jaccard").mean().alias("stability"),
                                                     pl.col("jaccard").min().alias("stability_min"))
        groups = groups.drop("stability", "stability_min").join(summary, on="group_id", how="left").sort("order").drop(
            "order")
    elif groups.height:
        groups = groups.sort("order").drop("order")
    else:
        groups = empty_tables()["groups"]
    return CoordinationResult(edges=edges, evidence=evidence, groups=groups, members=members,
                              settings=settings_frame, stability=stability)


def _group_tables(acts: Actions, main: _Setting, edges: pl.DataFrame, evidence: pl.DataFrame,
                  options: CoordinationOptions) -> tuple[pl.DataFrame, pl.DataFrame]:
    rows, member_rows = [], []
    for g, nodes in enumerate(main.groups):
        gid = f"g{g + 1}"
        ids = [acts.actors[n] for n in nodes]
        inside = evidence.filter(pl.col("actor_a").is_in(ids) & pl.col("actor_b").is_in(ids))
        rows.append({
            "order": g, "group_id": gid, "size": len(nodes), "members": ids, "labels": [acts.labels[n] for n in nodes],
            "edges": int(edges.filter(pl.col("group_id") == gid).height),
            "weight": int(main.group_obs[g]), "null_mean": float(main.group_mean[g]),
            "p_value": float(main.group_p[g]), "significant": bool(main.group_p[g] <= options.alpha),
            "objects": int(inside.select("kind", "object").n_unique()) if inside.height else 0,
            "messages": int(pl.concat([inside["uid_a"], inside["uid_b"]]).n_unique()) if inside.height else 0,
            "median_lag_s": float(inside["lag_s"].median()) if inside.height else None,  # type: ignore[arg-type]
            "first_at": inside["posted_a"].min() if inside.height else None,
            "last_at": inside["posted_a"].max() if inside.height else None,
            "stability": None, "stability_min": None,
        })
        member_rows += [{"group_id": gid, "actor": acts.actors[n], "label": acts.labels[n]} for n in nodes]
    from .results import GROUP_SCHEMA, MEMBER_SCHEMA

    return (pl.DataFrame(rows, schema={"order": pl.Int64, **GROUP_SCHEMA}),
            pl.DataFrame(member_rows, schema=MEMBER_SCHEMA))


def _sweep_tables(main: _Setting, settings: dict[tuple[int, float], _Setting], acts: Actions,
                  options: CoordinationOptions) -> tuple[pl.DataFrame, pl.DataFrame]:
    from .results import SETTING_SCHEMA, STABILITY_SCHEMA, sort_stability

    rows, stab = [], []
    for (window, alpha), s in sorted(settings.items()):
        rows.append({"window_s": window, "alpha": alpha, "main": (window, alpha) == (options.window, options.alpha),
                     "reported_edges": int(s.reported.sum()), "groups": len(s.groups),
                     "significant_groups": int((s.group_p <= alpha).sum()),
                     "members": sorted(acts.actors[n] for g in s.groups for n in g)})
        if (window, alpha) == (options.window, options.alpha):
            continue
        for g, nodes in enumerate(main.groups):
            j, match = best_jaccard(nodes, s.groups)
            stab.append({"group_id": f"g{g + 1}", "window_s": window, "alpha": alpha, "jaccard": j,
                         "matched": [acts.actors[n] for n in match]})
    return pl.DataFrame(rows, schema=SETTING_SCHEMA), sort_stability(pl.DataFrame(stab, schema=STABILITY_SCHEMA))
