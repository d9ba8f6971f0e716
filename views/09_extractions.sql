-- Every fact ever extracted, in every run (history; `facts` is the current set).
CREATE OR REPLACE VIEW extractions AS
SELECT * FROM raw.extractions;
