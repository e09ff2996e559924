"""Browser tests: the real app under uvicorn, driven through headless Chromium."""
