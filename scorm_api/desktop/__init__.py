"""The desktop shell: the appliance in native windows (`scorm-api desktop`)."""
