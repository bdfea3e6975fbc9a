"""fwtui's Textual UI. It calls into ``fwtui`` for all logic; ``fwtui`` never imports it."""
