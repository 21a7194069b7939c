-- A week of a policy service's history in Spring Batch's job repository, as its
-- JobRepository writes it (times are the JVM's wall clock, Europe/Berlin): the same
-- rows load into SQLite and PostgreSQL.
-- importPolicies, 1 Dec: completed with 2 skipped items
INSERT INTO BATCH_JOB_INSTANCE VALUES (1, 0, 'importPolicies', '3a1f0b2c4d5e6f708192a3b4c5d6e7f8');
INSERT INTO BATCH_JOB_EXECUTION VALUES (1, 2, 1, '2026-12-01 02:00:00.120', '2026-12-01 02:00:00.250',
  '2026-12-01 02:07:30.900', 'COMPLETED', 'COMPLETED', '', '2026-12-01 02:07:30.900');
INSERT INTO BATCH_JOB_EXECUTION_PARAMS VALUES (1, 'run.date', 'java.time.LocalDate', '2026-12-01', 'Y');
INSERT INTO BATCH_JOB_EXECUTION_PARAMS VALUES (1, 'trace', 'java.lang.String', 'abc', 'N');
INSERT INTO BATCH_STEP_EXECUTION VALUES (1, 5, 'readPolicies', 1, '2026-12-01 02:00:00.300',
  '2026-12-01 02:00:00.310', '2026-12-01 02:06:00.000', 'COMPLETED', 12, 1200, 3, 1195, 0, 2, 0, 1,
  'COMPLETED', '', '2026-12-01 02:06:00.000');
INSERT INTO BATCH_STEP_EXECUTION VALUES (2, 3, 'publishReport', 1, '2026-12-01 02:06:00.100',
  '2026-12-01 02:06:00.110', '2026-12-01 02:07:30.800', 'COMPLETED', 1, 1, 0, 1, 0, 0, 0, 0,
  'COMPLETED', '', '2026-12-01 02:07:30.800');
-- importPolicies, 2 Dec: failed, then restarted and completed (one instance, two executions)
INSERT INTO BATCH_JOB_INSTANCE VALUES (2, 0, 'importPolicies', '4b2f0c3d5e6f708192a3b4c5d6e7f809');
INSERT INTO BATCH_JOB_EXECUTION VALUES (2, 2, 2, '2026-12-02 02:00:00.000', '2026-12-02 02:00:01.000',
  '2026-12-02 02:03:00.000', 'FAILED', 'FAILED', 'org.springframework.dao.DataAccessResourceFailureException: connection refused', '2026-12-02 02:03:00.000');
INSERT INTO BATCH_JOB_EXECUTION_PARAMS VALUES (2, 'run.date', 'java.time.LocalDate', '2026-12-02', 'Y');
INSERT INTO BATCH_STEP_EXECUTION VALUES (3, 4, 'readPolicies', 2, '2026-12-02 02:00:01.100',
  '2026-12-02 02:00:01.200', '2026-12-02 02:03:00.000', 'FAILED', 4, 400, 0, 400, 0, 0, 0, 1,
  'FAILED', 'connection refused', '2026-12-02 02:03:00.000');
INSERT INTO BATCH_JOB_EXECUTION VALUES (3, 2, 2, '2026-12-02 09:15:00.000', '2026-12-02 09:15:00.500',
  '2026-12-02 09:20:00.000', 'COMPLETED', 'COMPLETED', '', '2026-12-02 09:20:00.000');
INSERT INTO BATCH_JOB_EXECUTION_PARAMS VALUES (3, 'run.date', 'java.time.LocalDate', '2026-12-02', 'Y');
INSERT INTO BATCH_STEP_EXECUTION VALUES (4, 5, 'readPolicies', 3, '2026-12-02 09:15:00.600',
  '2026-12-02 09:15:00.700', '2026-12-02 09:19:00.000', 'COMPLETED', 8, 800, 0, 800, 0, 0, 0, 0,
  'COMPLETED', '', '2026-12-02 09:19:00.000');
INSERT INTO BATCH_STEP_EXECUTION VALUES (5, 3, 'publishReport', 3, '2026-12-02 09:19:00.100',
  '2026-12-02 09:19:00.200', '2026-12-02 09:20:00.000', 'COMPLETED', 1, 1, 0, 1, 0, 0, 0, 0,
  'COMPLETED', '', '2026-12-02 09:20:00.000');
-- billingRun, 1 Dec: stopped by an operator
INSERT INTO BATCH_JOB_INSTANCE VALUES (3, 0, 'billingRun', '5c3f0d4e6f708192a3b4c5d6e7f8091a');
INSERT INTO BATCH_JOB_EXECUTION VALUES (4, 2, 3, '2026-12-01 22:00:00.000', '2026-12-01 22:00:00.400',
  '2026-12-01 22:45:00.000', 'STOPPED', 'STOPPED', '', '2026-12-01 22:45:00.000');
INSERT INTO BATCH_STEP_EXECUTION VALUES (6, 6, 'invoice', 4, '2026-12-01 22:00:00.500',
  '2026-12-01 22:00:00.600', '2026-12-01 22:45:00.000', 'STOPPED', 30, 3000, 0, 3000, 0, 0, 0, 0,
  'STOPPED', '', '2026-12-01 22:45:00.000');
-- billingRun, 2 Dec: still STARTED (the service crashed): not imported
INSERT INTO BATCH_JOB_INSTANCE VALUES (4, 0, 'billingRun', '6d4f0e5f708192a3b4c5d6e7f8091a2b');
INSERT INTO BATCH_JOB_EXECUTION VALUES (5, 1, 4, '2026-12-02 22:00:00.000', '2026-12-02 22:00:00.300',
  NULL, 'STARTED', 'UNKNOWN', '', '2026-12-02 22:10:00.000');
-- importPolicies, 3 Dec: failed, abandoned
INSERT INTO BATCH_JOB_INSTANCE VALUES (5, 0, 'importPolicies', '7e5f0f608192a3b4c5d6e7f8091a2b3c');
INSERT INTO BATCH_JOB_EXECUTION VALUES (6, 2, 5, '2026-12-03 02:00:00.000', '2026-12-03 02:00:00.200',
  '2026-12-03 02:01:00.000', 'ABANDONED', 'FAILED', 'input file missing', '2026-12-03 02:01:00.000');
INSERT INTO BATCH_JOB_EXECUTION_PARAMS VALUES (6, 'run.date', 'java.time.LocalDate', '2026-12-03', 'Y');
