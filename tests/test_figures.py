"""Figures that must explain themselves: the heat table separates ceiled from raw scores and shows negative values;
the layer profile marks the committed layer and says when no ceiling exists."""
from neurovision.figures.plotting import plot_heat_table, plot_layer_profile, plt
from neurovision.scores import Score


def _s(model, bench, raw, ceiled=None, layer="l1", ceiling=None, metric="spearman"):
    return Score(raw=raw, ci_low=raw - 0.1, ci_high=raw + 0.1, model=model, layer=layer, benchmark=bench,
                 metric=metric, ceiling_lower=ceiling, ceiling_upper=ceiling, ceiled=ceiled)


def test_heat_table_keeps_ceiled_and_raw_apart_and_negatives_visible():
    scores = [_s("a", "b.ceiled", -0.2, ceiled=-0.29, ceiling=0.7), _s("a", "b.raw", 0.4),
              _s("m", "b.ceiled", 0.3, ceiled=0.43, ceiling=0.7), _s("m", "b.raw", -0.1)]
    fig = plot_heat_table(scores)
    panels = [ax for ax in fig.axes if ax.get_title()]
    assert [ax.get_title().split(" ")[0] for ax in panels] == ["ceiled", "raw"]
    texts = [t.get_text() for t in panels[0].texts]
    assert "-0.29" in texts and "0.43" in texts and "-0.20" not in texts  # ceiled values only in that panel
    assert "-0.10" in [t.get_text() for t in panels[1].texts]
    im = panels[0].images[0]
    assert im.norm.vmin < 0 < im.norm.vmax  # diverging scale: negatives are not clipped to the bottom colour
    plt.close(fig)


def test_layer_profile_marks_the_committed_layer_and_a_missing_ceiling():
    prof = [_s("m", "b", 0.1 * i, layer=f"l{i}") for i in range(4)]
    fig = plot_layer_profile(prof, committed="l2")
    ax = fig.axes[0]
    assert any("committed layer l2" in t.get_text() for t in ax.get_legend().get_texts())
    assert any("no noise ceiling" in t.get_text() for t in ax.texts)
    plt.close(fig)
