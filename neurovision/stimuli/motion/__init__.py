"""Seeded motion videos for the dorsal tracker: moving objects, occluders and brief flashes, with per-frame truth.

A video is a float32 array ``(time, height, width)`` with values in [0, 1] (0 = black background). Physical
units are explicit and are parameters of every video: ``ms_per_frame`` (duration of one frame, ms) and
``px_per_deg`` (pixels per degree of visual angle); positions are in px or in deg from the frame centre, ``y``
downwards (:mod:`~neurovision.stimuli.motion.paths`).

* :mod:`~neurovision.stimuli.motion.paths` — units and coordinates, motion paths (:class:`Linear`,
  :class:`Circular`, :class:`Sinusoidal`, :class:`Bouncing`, :class:`Custom`);
* :mod:`~neurovision.stimuli.motion.render` — scene elements (:class:`MovingObject`, :class:`Occluder`,
  :class:`Flash`) and the renderer :func:`make_video` → ``(video, meta)``, ``meta`` an :class:`xarray.Dataset`
  of the per-frame truth (position, velocity, visibility, flashes, occluders);
* :mod:`~neurovision.stimuli.motion.scenes` — :func:`random_scenes`, batches of random training scenes;
* :mod:`~neurovision.stimuli.motion.patterns` — full-field moving patterns for MT and speed perception:
  :func:`random_dots` (coherent random-dot fields) and :func:`drifting_noise` (band-limited noise translating
  rigidly, Stocker & Simoncelli 2006).

The input delay applied on the data side, :func:`~neurovision.stimuli.videos.delay_video`, lives with the video
sets in :mod:`neurovision.stimuli.videos` (re-exported here).

The flash-lag effect these stimuli probe: Nijhawan (1994) Nature 370:256-257; Whitney, Murakami & Cavanagh (2000)
Vision Res 40:137-149; Eagleman & Sejnowski (2000) Science 287:2036-2038; Kanai, Sheth & Shimojo (2004)
Vision Res 44:2605-2619. Occluded pursuit: Adams, Aponte, Marshall & Friston (2015) J Neurosci Methods 242:1-14.
"""
from ..videos import delay_video
from .paths import Bouncing, Circular, Custom, Linear, Sinusoidal, deg_to_px, delay_frames_from_ms, px_to_deg
from .patterns import displacement_px_per_frame, drifting_noise, random_dots
from .render import Flash, MovingObject, Occluder, make_video, render_shape
from .scenes import random_scenes

__all__ = [
    "Linear", "Circular", "Sinusoidal", "Bouncing", "Custom", "MovingObject", "Occluder", "Flash",
    "make_video", "delay_video", "delay_frames_from_ms", "random_scenes", "render_shape", "deg_to_px", "px_to_deg",
    "random_dots", "drifting_noise", "displacement_px_per_frame",
]
