-- Tables the views keep up to date at write time (see views/__init__.py `refresh`): what every
-- CRM query would otherwise recompute from the raw tables. Rebuilt from raw at any time by
-- `dealtape refresh`; never a source of truth.
CREATE SCHEMA IF NOT EXISTS derived;
