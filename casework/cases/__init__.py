"""Case episodes, the continuum of need and its transitions, lead professionals, closure."""
