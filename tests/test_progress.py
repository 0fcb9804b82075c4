"""Progress bars: labelled, on by default, off inside ``progress(False)`` (benchmarks' ``progress=False``, the
command line's ``--quiet``), an outer off winning over an inner on."""
from neurovision.progress import bar, enabled, progress


def test_bars_follow_the_context():
    assert enabled()
    b = bar(range(3), desc="resamples", unit="resample", delay=0)
    assert not b.disable and b.desc == "resamples" and b.unit == "resample"
    b.close()
    with progress(False):
        assert not enabled()
        assert bar(range(3), desc="x").disable
        with progress(True):  # an inner True cannot re-enable what an outer False silenced
            assert bar(range(3), desc="x").disable
    assert enabled() and not bar(range(3), desc="x", delay=0).disable


def test_quiet_cli_prints_no_bar(data_mirror, capsys):
    from neurovision.cli import main
    assert main(["score", "pixels", "kriegeskorte2008.it_monkey", "--n-boot", "50", "--quiet", "--no-cache"]) == 0
    captured = capsys.readouterr()
    assert "kriegeskorte2008.it_monkey" in captured.out and "it/s" not in captured.err and "%|" not in captured.err
