"""The SCORM player: the page that hosts course content and its runtime API objects."""
