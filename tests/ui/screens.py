"""Every screen of the desk for the layout check: ``ui.screen_tour`` (one list, also read by
``main.py --screenshot``). Add a new screen to ``ui.screen_tour.SCREENS``."""

from __future__ import annotations

from ui.screen_tour import (
    SCREENS,
    Scene,
    ScreenCase,
    botox_with_health_check,
    check_all,
    check_screen,
    open_desk,
    seed_scene,
    settle,
    submit_intake_raising_a_block,
    tour_scene,
)

scene_outside_pytest = tour_scene

__all__ = ["SCREENS", "Scene", "ScreenCase", "botox_with_health_check", "check_all", "check_screen", "open_desk",
           "scene_outside_pytest", "seed_scene", "settle", "submit_intake_raising_a_block", "tour_scene"]
