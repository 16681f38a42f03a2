"""Local media reading: OCR for photos, pypdf (and OCR) for PDFs, speech-to-text for voice notes.

Every engine is imported only inside the function that uses it, so ``conversa receive``
with the offline adapters never loads Pillow, pypdf or faster-whisper.
"""
