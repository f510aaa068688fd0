"""Reading files into the record: attendance extracts, CTFs, the schools register, the SSDA903
and CIN census returns. See records/imports/base.py for the contract every importer keeps."""
