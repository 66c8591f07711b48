//! The SQLite and PostgreSQL schemas are the same schema: tables, columns, types (mapped),
//! nullability, primary keys, foreign keys and indexes, read back from each migrated
//! database. Runs when `DUBAN_TEST_DATABASE_URL` names a PostgreSQL server (CI's second
//! pass); on SQLite alone there is nothing to compare against.

use std::collections::BTreeSet;

use duban_store::testing::{TEST_DATABASE_ENV, TestDb};
use sqlx::Row;

/// One fact about the schema, comparable across engines.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Fact {
    /// table, column, portable type, not null, part of the primary key
    Column(String, String, &'static str, bool, bool),
    /// table, columns, referenced table, referenced columns, on delete
    ForeignKey(String, String, String, String, String),
    /// table, columns, unique (primary keys are in `Column`)
    Index(String, String, bool),
}

fn portable_type(t: &str) -> &'static str {
    match t.to_ascii_lowercase().as_str() {
        "integer" | "bigint" | "int8" => "integer",
        "text" => "text",
        "real" | "double precision" | "float8" => "real",
        "blob" | "bytea" => "blob",
        other => panic!("unmapped column type {other}"),
    }
}

fn on_delete(a: &str) -> String {
    match a.to_ascii_uppercase().as_str() {
        "" | "NO ACTION" | "A" => "NO ACTION".into(),
        "CASCADE" | "C" => "CASCADE".into(),
        "SET NULL" | "N" => "SET NULL".into(),
        "RESTRICT" | "R" => "RESTRICT".into(),
        other => other.into(),
    }
}

/// The `name` column of every row `sql` (a catalogue query) returns.
async fn names(pool: &sqlx::AnyPool, sql: String) -> Vec<String> {
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .fetch_all(pool)
        .await
        .unwrap()
        .iter()
        .map(|r| r.get::<String, _>("name"))
        .collect()
}

async fn sqlite_facts(db: &TestDb) -> BTreeSet<Fact> {
    let pool = db.store.pool();
    let mut facts = BTreeSet::new();
    let tables = names(
        pool,
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'".into(),
    )
    .await;
    for t in &tables {
        for r in sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT name, type, \"notnull\" AS nn, pk FROM pragma_table_info('{t}')"
        )))
        .fetch_all(pool)
        .await
        .unwrap()
        {
            let pk = r.get::<i64, _>("pk") > 0;
            facts.insert(Fact::Column(
                t.clone(),
                r.get("name"),
                portable_type(&r.get::<String, _>("type")),
                pk || r.get::<i64, _>("nn") != 0,
                pk,
            ));
        }
        let fks = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT id, \"table\" AS target, \"from\" AS src, \"to\" AS dst, on_delete
             FROM pragma_foreign_key_list('{t}') ORDER BY id, seq"
        )))
        .fetch_all(pool)
        .await
        .unwrap();
        let mut by_id: std::collections::BTreeMap<i64, (String, Vec<String>, Vec<String>, String)> =
            Default::default();
        for r in fks {
            let e = by_id.entry(r.get("id")).or_insert_with(|| {
                (
                    r.get("target"),
                    vec![],
                    vec![],
                    on_delete(&r.get::<String, _>("on_delete")),
                )
            });
            e.1.push(r.get("src"));
            // `REFERENCES t` without columns means t's primary key (always `id` here).
            e.2.push(
                r.try_get::<String, _>("dst")
                    .unwrap_or_else(|_| "id".into()),
            );
        }
        for (_, (target, src, dst, del)) in by_id {
            facts.insert(Fact::ForeignKey(
                t.clone(),
                src.join(","),
                target,
                dst.join(","),
                del,
            ));
        }
        for idx in sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT name, \"unique\" AS uq, origin FROM pragma_index_list('{t}')"
        )))
        .fetch_all(pool)
        .await
        .unwrap()
        {
            if idx.get::<String, _>("origin") == "pk" {
                continue;
            }
            let name: String = idx.get("name");
            let cols = names(
                pool,
                format!("SELECT name FROM pragma_index_info('{name}') ORDER BY seqno"),
            )
            .await;
            facts.insert(Fact::Index(
                t.clone(),
                cols.join(","),
                idx.get::<i64, _>("uq") != 0,
            ));
        }
    }
    facts
}

async fn postgres_facts(db: &TestDb) -> BTreeSet<Fact> {
    let pool = db.store.pool();
    let mut facts = BTreeSet::new();
    let pk_cols: BTreeSet<(String, String)> = sqlx::query(
        "SELECT k.table_name::text AS t, k.column_name::text AS c
         FROM information_schema.table_constraints tc
         JOIN information_schema.key_column_usage k
           ON k.constraint_name = tc.constraint_name AND k.table_schema = tc.table_schema
         WHERE tc.constraint_type = 'PRIMARY KEY' AND tc.table_schema = 'public'",
    )
    .fetch_all(pool)
    .await
    .unwrap()
    .iter()
    .map(|r| (r.get("t"), r.get("c")))
    .collect();
    for r in sqlx::query(
        "SELECT table_name::text AS t, column_name::text AS c, data_type::text AS ty,
                is_nullable::text AS nullable
         FROM information_schema.columns WHERE table_schema = 'public'",
    )
    .fetch_all(pool)
    .await
    .unwrap()
    {
        let (t, c): (String, String) = (r.get("t"), r.get("c"));
        let pk = pk_cols.contains(&(t.clone(), c.clone()));
        facts.insert(Fact::Column(
            t,
            c,
            portable_type(&r.get::<String, _>("ty")),
            r.get::<String, _>("nullable") == "NO",
            pk,
        ));
    }
    for r in sqlx::query(
        "SELECT src.relname::text AS t, dst.relname::text AS target,
                array_to_string(array(SELECT a.attname::text FROM unnest(c.conkey) WITH ORDINALITY k(n, o)
                    JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.n ORDER BY k.o), ',') AS src_cols,
                array_to_string(array(SELECT a.attname::text FROM unnest(c.confkey) WITH ORDINALITY k(n, o)
                    JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.n ORDER BY k.o), ',') AS dst_cols,
                c.confdeltype::text AS del
         FROM pg_constraint c
         JOIN pg_class src ON src.oid = c.conrelid
         JOIN pg_class dst ON dst.oid = c.confrelid
         JOIN pg_namespace n ON n.oid = src.relnamespace
         WHERE c.contype = 'f' AND n.nspname = 'public'",
    )
    .fetch_all(pool)
    .await
    .unwrap()
    {
        facts.insert(Fact::ForeignKey(
            r.get("t"),
            r.get("src_cols"),
            r.get("target"),
            r.get("dst_cols"),
            on_delete(&r.get::<String, _>("del")),
        ));
    }
    for r in sqlx::query(
        "SELECT t.relname::text AS t, ix.indisunique::int::int8 AS uq,
                array_to_string(array(SELECT a.attname::text FROM unnest(ix.indkey) WITH ORDINALITY k(n, o)
                    JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.n ORDER BY k.o), ',') AS cols
         FROM pg_index ix
         JOIN pg_class t ON t.oid = ix.indrelid
         JOIN pg_namespace n ON n.oid = t.relnamespace
         WHERE n.nspname = 'public' AND NOT ix.indisprimary",
    )
    .fetch_all(pool)
    .await
    .unwrap()
    {
        facts.insert(Fact::Index(r.get("t"), r.get("cols"), r.get::<i64, _>("uq") != 0));
    }
    facts
}

#[tokio::test]
async fn sqlite_and_postgres_schemas_are_equivalent() {
    let Ok(server) = std::env::var(TEST_DATABASE_ENV) else {
        eprintln!("{TEST_DATABASE_ENV} not set: no PostgreSQL schema to compare");
        return;
    };
    let sqlite = TestDb::fresh_sqlite().await.unwrap();
    let postgres = TestDb::fresh_postgres(server.trim()).await.unwrap();
    let a = sqlite_facts(&sqlite).await;
    let b = postgres_facts(&postgres).await;
    assert!(
        a.iter().any(|f| matches!(f, Fact::Index(..))),
        "indexes read"
    );
    assert!(
        a.iter().any(|f| matches!(f, Fact::ForeignKey(..))),
        "foreign keys read"
    );
    let only_sqlite: Vec<_> = a.difference(&b).collect();
    let only_postgres: Vec<_> = b.difference(&a).collect();
    assert!(
        only_sqlite.is_empty() && only_postgres.is_empty(),
        "schemas differ\nonly on SQLite: {only_sqlite:#?}\nonly on PostgreSQL: {only_postgres:#?}"
    );
}
