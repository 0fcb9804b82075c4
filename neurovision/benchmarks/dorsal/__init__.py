"""Dorsal-stream benchmarks: flash-lag (:mod:`.flash_lag`), occluded pursuit (:mod:`.pursuit`), macaque MT speed
tuning (:mod:`.mt`) and human speed discrimination (:mod:`.speed`); :mod:`.base` holds what they share."""
