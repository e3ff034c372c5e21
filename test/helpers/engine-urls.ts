/** Where the test servers are: overridable, defaulting to the local servers. */
export const TEST_PG_URL = process.env.ETLP_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test'
export const TEST_MYSQL_URL = process.env.ETLP_TEST_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/test'
