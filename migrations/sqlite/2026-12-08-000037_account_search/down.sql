DROP TABLE account_search;
