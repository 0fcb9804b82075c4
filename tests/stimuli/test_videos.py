"""Video stimulus sets and the input delay (neurovision.stimuli.videos)."""
import numpy as np
import pytest

from neurovision.stimuli.images import stimuli_hash
from neurovision.stimuli.motion import delay_frames_from_ms
from neurovision.stimuli.videos import VIDEO_DIMS, delay_video, video_set


def test_video_set_layout_and_coordinates():
    v = np.random.default_rng(0).random((3, 5, 8, 6)).astype(np.float32)
    s = video_set(v, ["a", "b", "c"], name="drift", ms_per_frame=10.0, speed=[1.0, 2.0, 3.0])
    assert s.dims == VIDEO_DIMS == ("presentation", "time", "height", "width")
    assert list(s["stimulus_id"].values) == ["a", "b", "c"] and list(s["speed"].values) == [1.0, 2.0, 3.0]
    np.testing.assert_array_equal(s["time_ms"].values, [0.0, 10.0, 20.0, 30.0, 40.0])
    assert s["time_ms"].dims == ("time",) and s.attrs["ms_per_frame"] == 10.0
    assert s.dtype == np.float32
    np.testing.assert_array_equal(s.values, v)
    assert "time_ms" not in video_set(v, ["a", "b", "c"]).coords
    u8 = video_set((v * 255).astype(np.uint8), ["a", "b", "c"])
    assert u8.dtype == np.uint8
    assert stimuli_hash(s) != stimuli_hash(video_set(v[::-1].copy(), ["a", "b", "c"]))


@pytest.mark.parametrize("videos, ids, kw, match", [
    (np.zeros((2, 5, 8), np.float32), ["a", "b"], {}, r"\(n, time, height, width\)"),
    (np.zeros((2, 5, 8, 8), np.int16), ["a", "b"], {}, "uint8 or float"),
    (np.full((2, 5, 8, 8), 2.0), ["a", "b"], {}, r"\[0, 1\]"),
    (np.full((2, 5, 8, 8), np.nan), ["a", "b"], {}, "finite"),
    (np.zeros((2, 5, 8, 8)), ["a"], {}, "one stimulus_id per video"),
    (np.zeros((2, 5, 8, 8)), ["a", "a"], {}, "unique"),
    (np.zeros((2, 5, 8, 8)), ["a", "b"], {"speed": [1.0]}, "'speed' has 1 values for 2 videos"),
    (np.zeros((2, 5, 8, 8)), ["a", "b"], {"ms_per_frame": 0.0}, "ms_per_frame"),
])
def test_bad_video_sets(videos, ids, kw, match):
    with pytest.raises(ValueError, match=match):
        video_set(videos, ids, **kw)


def test_delay_video():
    v = np.arange(5 * 2 * 2, dtype=np.float32).reshape(5, 2, 2)
    d = delay_video(v, 2)
    np.testing.assert_array_equal(d[2:], v[:3])
    assert (d[:2] == 0).all()
    assert delay_frames_from_ms(50, 10) == 5
    b = delay_video(np.stack([v, v]), 1)
    assert b.shape == (2, 5, 2, 2)
    with pytest.raises(ValueError, match="not shorter than the video"):
        delay_video(np.zeros((10, 4, 4)), 10)
