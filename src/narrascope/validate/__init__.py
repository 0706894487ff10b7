"""Validation: from keyword hits to corrected shares.

Draw a stratified sample for coders (:mod:`.sample`), read the coded files back (:mod:`.coded`), score the
dictionary (:mod:`.score`), measure agreement between coders (:mod:`.agreement`) and correct frame shares for
the dictionary's errors (:mod:`.correct`). Methods and citations: docs/methods.md, "Validation and corrected shares".
"""

from .agreement import agreement_report, coder_error_from_disagreement, krippendorff_alpha
from .coded import CodedFileError, CodedSample, load_coded
from .correct import corrected_shares, ppi_estimate, rogan_gladen, validated_frame_shares
from .sample import draw_sample, sample_corpus, write_sample_csv
from .score import Accuracy, accuracy, coder_corrected, score, term_precision

__all__ = [
    "Accuracy",
    "CodedFileError",
    "CodedSample",
    "accuracy",
    "agreement_report",
    "coder_corrected",
    "coder_error_from_disagreement",
    "corrected_shares",
    "draw_sample",
    "krippendorff_alpha",
    "load_coded",
    "ppi_estimate",
    "rogan_gladen",
    "sample_corpus",
    "score",
    "term_precision",
    "validated_frame_shares",
    "write_sample_csv",
]
