"""Reading surveys: XLSForms (:mod:`.xlsform`, with pyxform) and their submissions
(:mod:`.submissions`: KoBoToolbox / ODK Central CSV and XLSX exports, repeat groups)."""
