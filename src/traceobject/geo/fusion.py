"""Fuse clues into a CountryEstimate: a probability per country, with reasons.

Django-free. The model is naive Bayes in log space over every country of
:func:`traceobject.geo.countries.country_codes`, with three guards against its usual
failure, overconfidence from evidence that is not really independent:

1. **Pieces of evidence.** Clues with the same ``id`` (the clues of one tip) and clues
   whose ids are in the same cluster (``cluster_of``: near-duplicate tips) form one piece
   of evidence. Per country it contributes its strongest clue's weighted log-likelihood
   ratio (the cluster's strongest, once), so 50 copies of a tip count exactly once and a
   tip's country field that agrees with the city it names is not counted twice.
2. **Floors.** Each clue's log-likelihood ratio is bounded (``MAX_RATIO``), so no clue
   can make a country impossible, and a later clue can always bring it back.
3. **Correlation within a kind.** Pieces of the same kind (all tips together; all GS1
   prefixes; ...) are correlated: tipsters copy each other, one retailer's barcodes share
   a prefix. n pieces of one kind with pairwise correlation ``dependence`` (rho) weigh
   like ``n_eff = n / (1 + (n - 1) * rho)`` independent pieces (the effective sample
   size of correlated observations), so their summed log-likelihoods are multiplied by
   ``n_eff / n``. With the default rho = 0.2 (:data:`DEPENDENCE`), independent tips that
   agree add up (7 agreeing tips weigh like 3.2, 9 like 3.5) but a crowd never weighs
   more than 1 / rho = 5 of its pieces: 20 weak clues do not outvote one strong clue (an
   international phone number printed on the object). ``dependence=0`` treats every
   piece as independent, ``dependence=1`` a whole kind as a single piece.

log P(country | clues) = log prior(country)
                         + (sum over kinds k of n_eff_k / n_k
                            * sum over pieces p of kind k of weight_p * log L_p(country))
                           / temperature

(L_p relative to the clue's floor, so a country no clue names gets 0 from that clue.)
``temperature`` (:data:`CALIBRATION_TEMPERATURE` by default) is the calibration of the
whole: above 1 it flattens the estimate, below 1 it sharpens it. It divides the evidence
(with the default uniform prior that is the whole log posterior; a chosen prior is kept as
it was given). It is fitted so that the
stated probability of the best country matches how often it is right (see
:mod:`traceobject.geo.calibration`).

The prior is uniform over countries by default (``prior="uniform"``): the programme
serves every country alike, and a population prior would put a fifth of the mass on
China and India before any clue. ``prior="population"`` (GeoNames populations) or a
mapping {country: weight} can be passed instead.

**No clue, no estimate.** Only countries the clues lifted clearly above the
no-information level are *listed* (:meth:`CountryEstimate.ranked`, ``best``, the pages,
the API, forwarding suggestions): a country must have at least :data:`LISTING_FACTOR`
times its prior probability (twice 1/N under the uniform prior: what it would have with no
clue at all) and at least :data:`LISTING_MIN_SHARE` (1 %). Below that the number says
nothing about the country but how many countries there are, and a list of them (in
alphabetical order, as ties are broken) would read as an estimate. With no clue that
counts, or clues too weak to lift any country that far, the estimate is empty
(``status`` "no_clues" or "inconclusive") and says so.
"""

from __future__ import annotations

import itertools
import math
from collections import Counter
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np

from traceobject.geo.clues import TIP_KINDS, Clue
from traceobject.geo.countries import country_codes, country_index, country_name, populations

MAX_RATIO = 1000.0  # one clue moves a country by at most this factor either way
_MAX_LOG = math.log(MAX_RATIO)
MAX_REASONS = 12

#: Pairwise correlation of the pieces of evidence of one kind (see the module docstring).
DEPENDENCE = 0.2
#: Sharpness of the estimate: the log posterior is divided by it (1: as computed; above
#: 1: flatter, below 1: sharper). Fitted on generated clue scenarios
#: (tests/geo/test_calibration.py: 600 objects, ECE 0.14 at 0.5 against 0.29 at 1.0): the
#: clues' floors and weights are cautious one by one, so as computed the estimate states
#: far less than it knows (a useful tip naming a country made it 17 %, and such tips are
#: right about three times in four).
CALIBRATION_TEMPERATURE = 0.5
#: A country is listed only with at least this many times its prior probability ...
LISTING_FACTOR = 2.0
#: ... and at least this share.
LISTING_MIN_SHARE = 0.01

#: What an estimate is: no clue counted; clues, but no country clearly above the rest;
#: at least one country listed.
NO_CLUES, INCONCLUSIVE, ESTIMATED = "no_clues", "inconclusive", "estimate"
NO_CLUES_REASON = "no clues yet"


def listing_threshold(prior: float | None = None) -> float:
    """The least probability a country needs to be listed, given its prior probability
    (None: the uniform prior, 1/N). For stored estimates, which keep no prior."""
    if prior is None:
        prior = 1.0 / max(len(country_codes()), 1)
    return max(LISTING_FACTOR * prior, LISTING_MIN_SHARE)


@dataclass(frozen=True)
class CountryEstimate:
    """Where an object probably comes from."""

    probabilities: dict[str, float]  # every country, summing to 1
    reasons: list[str] = field(default_factory=list)  # strongest evidence first
    prior: str = "uniform"
    clue_count: int = 0  # clues that counted (weight > 0)
    evidence_count: int = 0  # pieces of evidence after merging tips and clusters
    ignored_count: int = 0  # clues with weight 0 (spam, duplicate, off-topic) or invalid
    thresholds: dict[str, float] = field(default_factory=dict)  # listing threshold per country
    temperature: float = 1.0

    def _lifted(self, code: str) -> bool:
        threshold = self.thresholds.get(code, listing_threshold())
        return self.probabilities[code] >= threshold

    @cached_property
    def _listed(self) -> tuple[tuple[str, float], ...]:
        """The leading run of the countries, most likely first, that the clues lifted
        clearly above their prior: with a non-uniform prior, a country the clues did not
        lift but that is more likely than the rest ends the run, so that the first listed
        country is always the most likely one."""
        if self.evidence_count == 0:
            return ()
        run: list[tuple[str, float]] = []
        for code, p in self.ranked(unlisted=True):
            if not self._lifted(code):
                break
            run.append((code, p))
        return tuple(run)

    def listed(self, country: str) -> bool:
        """Whether the clues lifted ``country`` clearly above the no-information level
        (and no country they did not lift is more likely)."""
        code = country.upper()
        return any(c == code for c, _p in self._listed)

    def ranked(self, n: int | None = None, *, unlisted: bool = False) -> list[tuple[str, float]]:
        """(country, probability) of the listed countries, most likely first (ties by
        country code); empty with no clue or when no country stands out. ``unlisted=True``:
        every country, for maps and analysis."""
        if not unlisted:
            items = list(self._listed)
        else:
            items = sorted(self.probabilities.items(), key=lambda item: (-item[1], item[0]))
        return items if n is None else items[:n]

    def probability(self, country: str) -> float:
        return self.probabilities.get(country.upper(), 0.0)

    @property
    def best(self) -> str | None:
        """The most likely country, or None when no country is listed (no clue, or clues
        too weak to lift any country clearly above the rest)."""
        top = self.ranked(1)
        return top[0][0] if top else None

    @property
    def status(self) -> str:
        """"no_clues", "inconclusive" (clues, but no country listed) or "estimate"."""
        if self.evidence_count == 0:
            return NO_CLUES
        return ESTIMATED if self.best is not None else INCONCLUSIVE

    def entropy(self) -> float:
        """Shannon entropy in bits: log2(number of countries) when flat, 0 when certain."""
        p = np.fromiter(self.probabilities.values(), dtype=float)
        p = p[p > 0]
        return float(-(p * np.log2(p)).sum())

    def to_dict(self, top: int = 10) -> dict[str, Any]:
        return {
            "status": self.status,
            "best": self.best,
            "ranked": [
                {"country": c, "name": country_name(c), "probability": round(p, 4)}
                for c, p in self.ranked(top)
            ],
            "entropy_bits": round(self.entropy(), 3),
            "reasons": list(self.reasons),
            "prior": self.prior,
            "clue_count": self.clue_count,
            "evidence_count": self.evidence_count,
            "ignored_count": self.ignored_count,
            "temperature": self.temperature,
        }


def _prior_logs(prior: str | Mapping[str, float]) -> tuple[np.ndarray, str]:
    codes = country_codes()
    if isinstance(prior, Mapping):
        values = np.array([max(float(prior.get(c, 0.0)), 0.0) for c in codes], dtype=float)
        if values.sum() <= 0:
            return np.zeros(len(codes)), "uniform"
        values = np.maximum(values / values.sum(), 1e-9)
        return np.log(values), "custom"
    if prior == "population":
        pops = populations()
        values = np.array([float(pops[c]) for c in codes])
        return np.log(values / values.sum()), "population"
    return np.zeros(len(codes)), "uniform"


_Sparse = tuple[list[int], list[float], float, int]


def _sparse(clue: Clue) -> _Sparse:
    """(country indexes, log ratios against the floor, largest |ratio|, index of the
    favoured country or -1), cached on the clue."""
    cached: _Sparse | None = clue._cache.get("sparse")
    if cached is not None:
        return cached
    index = country_index()
    floor = max(float(clue.floor), 1e-12)
    idx: list[int] = []
    vals: list[float] = []
    for country, value in clue.likelihoods.items():
        i = index.get(country)
        if i is None:
            continue
        try:
            ratio = max(float(value), 1e-12) / floor
        except (TypeError, ValueError):
            continue
        if not math.isfinite(ratio):
            continue
        lr = max(-_MAX_LOG, min(_MAX_LOG, math.log(ratio)))
        if lr != 0.0:
            idx.append(i)
            vals.append(lr)
    span = max((abs(v) for v in vals), default=0.0)
    top = -1
    if vals and max(vals) > 0:
        top = idx[max(range(len(vals)), key=lambda k: (vals[k], -idx[k]))]
    result = (idx, vals, span, top)
    clue._cache["sparse"] = result
    return result


def _combine(clues: list[Clue]) -> tuple[list[int], list[float], float]:
    """Weighted log ratios of one piece of evidence made of several clues.

    Per country the strongest weighted ratio counts (the most negative one where no clue
    favours the country): the same statement made twice, or a country field that agrees
    with a city the tip names, counts once; a tip naming two countries raises both.
    """
    best: dict[int, float] = {}
    for clue in clues:
        idx, vals, _span, _top = _sparse(clue)
        w = clue.weight
        for i, v in zip(idx, vals, strict=True):
            wv = w * v
            old = best.get(i)
            if old is None:
                best[i] = wv
            elif wv > 0 or old > 0:
                best[i] = max(old, wv)
            else:
                best[i] = min(old, wv)
    idx_out = list(best)
    vals_out = [best[i] for i in idx_out]
    return idx_out, vals_out, max((abs(v) for v in vals_out), default=0.0)


def _cluster_key(clue_id: str, cluster_of: Mapping[Any, Hashable] | None) -> Hashable:
    if cluster_of:
        for candidate in _id_forms(clue_id):
            if candidate in cluster_of:
                return ("cluster", cluster_of[candidate])
    return ("id", clue_id)


def _id_forms(clue_id: str) -> list[Any]:
    """The forms a caller may have used in ``cluster_of``: "tip:17", "17", 17."""
    forms: list[Any] = [clue_id]
    if clue_id.startswith("tip:"):
        bare = clue_id[4:]
        forms.append(bare)
        if bare.isdigit():
            forms.append(int(bare))
    return forms


def estimate(
    clues: Iterable[Clue],
    *,
    cluster_of: Mapping[Any, Hashable] | None = None,
    prior: str | Mapping[str, float] = "uniform",
    dependence: float = DEPENDENCE,
    temperature: float | None = None,
) -> CountryEstimate:
    """Fuse ``clues`` into a :class:`CountryEstimate`. Never raises on odd clues (a
    ``temperature`` outside 0.05 .. 20 raises ValueError).

    ``cluster_of`` maps clue ids (a tip's clues have id ``"tip:<tip id>"``; the bare tip
    id works too) to cluster ids: the clues of one cluster count once. ``dependence``
    (0..1) is the correlation of pieces of one kind, ``temperature`` (> 0; default
    :data:`CALIBRATION_TEMPERATURE`) divides the log posterior: see the module docstring.
    """
    codes = country_codes()
    prior_logs, prior_name = _prior_logs(prior)
    logp = prior_logs
    try:
        dependence = min(max(float(dependence), 0.0), 1.0)
    except (TypeError, ValueError):
        dependence = DEPENDENCE
    if not math.isfinite(dependence):
        dependence = DEPENDENCE
    temperature = _temperature(temperature)

    # 1. group the clues into pieces of evidence. A lone clue stays itself; keys are the
    #    clue id (str), a cluster key (tuple) or the clue's position (int). The loops
    #    below allocate as little as they can: with 10,000 tips, garbage collection
    #    passes over all the clues would otherwise cost more than the arithmetic.
    groups: dict[Hashable, Clue | list[Clue]] = {}
    ignored = 0
    ignored_tips: set[str] = set()
    cluster_keys: dict[str, Hashable] = {}
    for n, clue in enumerate(clues):
        if not isinstance(clue, Clue):
            ignored += 1
            continue
        weight = clue.weight
        if not (isinstance(weight, (int, float)) and weight > 0 and math.isfinite(weight)):
            ignored += 1
            if clue.kind in TIP_KINDS and clue.id:
                ignored_tips.add(clue.id)
            continue
        cid = clue.id
        key: Hashable
        if cid is None:
            key = n
        elif cluster_of:
            found = cluster_keys.get(cid)
            if found is None:
                found = cluster_keys[cid] = _cluster_key(cid, cluster_of)
            key = found
        else:
            key = cid
        group = groups.get(key)
        if group is None:
            groups[key] = clue
        elif isinstance(group, list):
            group.append(clue)
        else:
            groups[key] = [group, clue]

    # 2. each piece's log ratios, weight and kind
    pieces = list(groups.values())
    families: Counter[str] = Counter()
    kinds: list[str] = []
    idx_lists: list[list[int]] = []
    val_lists: list[list[float]] = []
    weights: list[float] = []
    spans: list[float] = []
    counted = 0
    for group in pieces:
        if isinstance(group, list):
            first = group[0]
            idx, vals, span = _combine(group)  # already weighted
            weights.append(1.0)
            counted += len(group)
        else:
            first = group
            idx, vals, span, _top = _sparse(group)
            weights.append(group.weight)
            counted += 1
        family = "tip" if first.kind in TIP_KINDS else first.kind
        families[family] += 1
        kinds.append(family)
        idx_lists.append(idx)
        val_lists.append(vals)
        spans.append(span)
    scale = {f: 1.0 / (1.0 + (n - 1) * dependence) for f, n in families.items()}

    # 3. add everything up in one numpy pass
    influence = np.zeros(0)
    if pieces:
        factors = np.array(weights) * np.array([scale[f] for f in kinds])
        influence = factors * np.array(spans)
        lengths = np.fromiter((len(i) for i in idx_lists), dtype=np.intp, count=len(pieces))
        if lengths.sum():
            all_idx = np.fromiter(itertools.chain.from_iterable(idx_lists), dtype=np.intp)
            all_vals = np.fromiter(itertools.chain.from_iterable(val_lists), dtype=float)
            all_vals *= np.repeat(factors, lengths)
            logp = logp + np.bincount(all_idx, weights=all_vals, minlength=len(codes))

    logp = prior_logs + (logp - prior_logs) / temperature
    logp = logp - logp.max()
    p = np.exp(logp)
    p /= p.sum()
    probabilities = dict(zip(codes, p.tolist(), strict=True))
    if prior_name == "uniform":
        thresholds: dict[str, float] = {}  # listing_threshold() for every country
    else:
        prior_p = np.exp(prior_logs - prior_logs.max())
        prior_p /= prior_p.sum()
        thresholds = {c: listing_threshold(float(q))
                      for c, q in zip(codes, prior_p.tolist(), strict=True)}

    if pieces:
        reasons = _reasons(pieces, kinds, influence, ignored_tips, probabilities, codes)
    else:
        reasons = [NO_CLUES_REASON]
    return CountryEstimate(
        probabilities=probabilities,
        reasons=reasons,
        prior=prior_name,
        clue_count=counted,
        evidence_count=len(pieces),
        ignored_count=ignored,
        thresholds=thresholds,
        temperature=temperature,
    )


def _temperature(value: float | None) -> float:
    """``value`` checked: None gives :data:`CALIBRATION_TEMPERATURE`; anything but a
    finite number within 0.05 .. 20 raises ValueError."""
    if value is None:
        return CALIBRATION_TEMPERATURE
    try:
        t = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"temperature must be a number, not {value!r}") from None
    if not (math.isfinite(t) and 0.05 <= t <= 20.0):
        raise ValueError(f"temperature must be within 0.05 .. 20, not {value!r}")
    return t


def _effect(clue: Clue) -> str:
    top = clue.top(6)
    if top and top[0][1] < 0.25:  # spread over many countries alike (€, plug type C)
        peak = max(clue.likelihoods.values())
        favoured = [c for c, v in clue.likelihoods.items() if v > clue.floor and v >= peak / 2]
        shown = ", ".join(sorted(favoured)[:6])
        return f"{len(favoured)} countries ({shown}{', ...' if len(favoured) > 6 else ''})"
    if top:
        return ", ".join(f"{c} {share:.2f}" for c, share in top[:3])
    against = clue.against()
    if against:
        return "against " + ", ".join(against[:5])
    return "no effect"


def _tips_say(pieces: list[Clue | list[Clue]], kinds: list[str],
              codes: tuple[str, ...]) -> tuple[dict[str, str], set[str]]:
    """(tip id -> the country its strongest clue favours, the ids of every counted tip).
    A tip's language is not something it says: a tip written in English that names no
    place names no country."""
    best_weight: dict[str, float] = {}
    best_top: dict[str, int] = {}
    ids: set[str] = set()
    for group, kind in zip(pieces, kinds, strict=True):
        if kind != "tip":
            continue
        for clue in group if isinstance(group, list) else (group,):
            cid = clue.id
            if cid is None:
                continue
            ids.add(cid)
            top = _sparse(clue)[3]
            if top < 0 or clue.kind == "tip_language":
                continue
            if clue.weight > best_weight.get(cid, 0.0):
                best_weight[cid] = clue.weight
                best_top[cid] = top
    return {cid: codes[i] for cid, i in best_top.items()}, ids


def _reasons(
    pieces: list[Clue | list[Clue]],
    kinds: list[str],
    influence: np.ndarray,
    ignored_tips: set[str],
    probabilities: Mapping[str, float],
    codes: tuple[str, ...],
) -> list[str]:
    ranked: list[tuple[float, str]] = []
    is_tip = np.array([k == "tip" for k in kinds], dtype=bool)
    for j in np.flatnonzero(~is_tip):
        group = pieces[j]
        if isinstance(group, list):
            text = "; ".join(c.reason for c in group[:3])
            ranked.append((float(influence[j]), f"{text} (counted once)"))
        else:
            ranked.append((float(influence[j]), f"{group.reason} -> {_effect(group)}"))
    tip_pieces = int(is_tip.sum())
    if tip_pieces:
        says, tip_ids = _tips_say(pieces, kinds, codes)
        summary = _tip_summary(says, max(len(tip_ids), tip_pieces), tip_pieces, ignored_tips,
                               probabilities)
        ranked.append((float(influence[is_tip].sum()), summary))
    ranked.sort(key=lambda item: -item[0])
    out = [text for _influence, text in ranked[:MAX_REASONS]]
    if len(ranked) > MAX_REASONS:
        out.append(f"... and {len(ranked) - MAX_REASONS} more clues")
    return out


def _tip_summary(
    tip_says: Mapping[str, str],
    tips: int,
    pieces: int,
    ignored_tips: set[str],
    probabilities: Mapping[str, float],
) -> str:
    counts = Counter(tip_says.values())
    said = ", ".join(
        f"{country_name(c)} {n}" for c, n in sorted(counts.items(), key=lambda i: (-i[1], i[0]))[:5]
    )
    if len(counts) > 5:
        said += f", {len(counts) - 5} other countries"
    head = f"{tips} tip{'s' if tips != 1 else ''}"
    if pieces != tips:
        head += f" ({pieces} after merging near-duplicates)"
    one = tips == 1 and pieces == 1
    if said:
        text = f"{head} {'says' if one else 'say'}: {said}"
        silent = tips - len(tip_says)
        if silent > 0:
            text += f" ({silent} {'names' if silent == 1 else 'name'} no country)"
    else:
        text = f"{head} {'names' if one else 'name'} no country"
    ignored = len(ignored_tips - set(tip_says))
    if ignored:
        text += f"; {ignored} more not counted (spam, duplicate, off-topic)"
    if counts:
        top = max(counts, key=lambda c: (counts[c], c))
        text += f" -> {top} {probabilities.get(top, 0.0):.2f}"
    return text
