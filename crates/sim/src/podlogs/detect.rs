//! Which tool a container runs, from its pod's run labels, chart labels, container name, image
//! and command, most specific signal first (a dbt image inside an Airflow KPO pod is dbt).

use super::{Ctx, Plan};
use super::{
    airbyte, airflow, clickhouse, dagster, dbt, generic, lightdash, meltano, metabase, noisy,
};
use super::{postgres, prefect, redis, spark, superset, trino};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Tool {
    Noisy,
    Dbt { json: bool },
    Meltano,
    Airbyte(airbyte::Role),
    Airflow(airflow::Role),
    Dagster(dagster::Role),
    Prefect(prefect::Role),
    Spark(spark::Role),
    Trino(trino::Role),
    ClickHouse,
    Superset(superset::Role),
    Metabase,
    Lightdash { worker: bool },
    Postgres,
    Redis,
    Other(generic::Role),
}

pub(crate) fn detect(ctx: &Ctx<'_>) -> Tool {
    if noisy::detect(ctx) {
        return Tool::Noisy;
    }
    // Per-run pods first: their labels name the run, whatever image they use.
    if let Some(role) = airbyte::detect(ctx).filter(|_| ctx.label("airbyte") == Some("job-pod")) {
        return Tool::Airbyte(role);
    }
    if let Some(role) = spark::detect(ctx).filter(|_| ctx.label("spark-role").is_some()) {
        return Tool::Spark(role);
    }
    // Batch tools recognised by image or command (dbt run by Airflow's KPO or Cosmos is dbt).
    if is_dbt(ctx) {
        let json = ctx
            .words()
            .collect::<Vec<_>>()
            .windows(2)
            .any(|w| w[0] == "--log-format" && w[1] == "json")
            || ctx.words().any(|w| w == "--log-format=json");
        return Tool::Dbt { json };
    }
    if meltano::detect(ctx) {
        return Tool::Meltano;
    }
    if let Some(role) = dagster::detect(ctx).filter(|r| *r == dagster::Role::Run) {
        return Tool::Dagster(role);
    }
    if let Some(role) = prefect::detect(ctx).filter(|r| *r == prefect::Role::FlowRun) {
        return Tool::Prefect(role);
    }
    // Airflow before the generic waits: its chart's init container waits for migrations with
    // an Airflow command of its own.
    if let Some(role) = airflow::detect(ctx) {
        return Tool::Airflow(role);
    }
    // Init containers waiting for a dependency look like their image (postgres, busybox) but
    // only print the wait loop.
    if let Some(role @ generic::Role::WaitFor) = generic::detect(ctx) {
        return Tool::Other(role);
    }
    if let Some(role) = airbyte::detect(ctx) {
        return Tool::Airbyte(role);
    }
    if let Some(role) = dagster::detect(ctx) {
        return Tool::Dagster(role);
    }
    if let Some(role) = prefect::detect(ctx) {
        return Tool::Prefect(role);
    }
    if let Some(role) = spark::detect(ctx) {
        return Tool::Spark(role);
    }
    if let Some(role) = trino::detect(ctx) {
        return Tool::Trino(role);
    }
    if clickhouse::detect(ctx) {
        return Tool::ClickHouse;
    }
    if let Some(role) = superset::detect(ctx) {
        return Tool::Superset(role);
    }
    if metabase::detect(ctx) {
        return Tool::Metabase;
    }
    if let Some(worker) = lightdash::detect(ctx) {
        return Tool::Lightdash { worker };
    }
    if postgres::detect(ctx) {
        return Tool::Postgres;
    }
    if redis::detect(ctx) {
        return Tool::Redis;
    }
    Tool::Other(generic::detect(ctx).unwrap_or(generic::Role::App))
}

/// dbt: a `dbt-labs` image, or `dbt` as a command word.
fn is_dbt(ctx: &Ctx<'_>) -> bool {
    let repo = ctx.image_repo();
    repo.starts_with("dbt-labs/dbt") || repo.contains("/dbt-labs/") || ctx.argv_has("dbt")
}

pub(crate) fn plan(ctx: &Ctx<'_>) -> Plan {
    match detect(ctx) {
        Tool::Noisy => noisy::plan(ctx),
        Tool::Dbt { json } => dbt::plan(ctx, json),
        Tool::Meltano => meltano::plan(ctx),
        Tool::Airbyte(role) => airbyte::plan(ctx, role),
        Tool::Airflow(role) => airflow::plan(ctx, role),
        Tool::Dagster(role) => dagster::plan(ctx, role),
        Tool::Prefect(role) => prefect::plan(ctx, role),
        Tool::Spark(role) => spark::plan(ctx, role),
        Tool::Trino(role) => trino::plan(ctx, role),
        Tool::ClickHouse => clickhouse::plan(ctx),
        Tool::Superset(role) => superset::plan(ctx, role),
        Tool::Metabase => metabase::plan(ctx),
        Tool::Lightdash { worker } => lightdash::plan(ctx, worker),
        Tool::Postgres => postgres::plan(ctx),
        Tool::Redis => redis::plan(ctx),
        Tool::Other(role) => generic::plan(ctx, role),
    }
}
