//! The benchmark's table and JSON, with every ratio beside its target.

use std::fmt::Write;
use std::time::Duration;

use serde_json::{json, Value};

use crate::data_source::{DataSourceFigures, Reads};
use crate::handshake::Comparison;
use crate::raw::RawTimes;
use crate::terraform::{ForEach, OneResource};
use crate::throttled::{Throttled, QUOTA};

pub struct Report {
    pub n: usize,
    pub handshake: Option<Comparison>,
    /// The raw loop measured before and after the one-resource run; ratios
    /// use their mean.
    pub raw_runs: Vec<RawTimes>,
    pub one_resource: Option<OneResource>,
    pub for_each: Option<ForEach>,
    pub big: Option<OneResource>,
    pub throttled: Option<Throttled>,
    pub data_source: Option<DataSourceFigures>,
}

/// (name, measured ratio, target, whether lower is better)
type Ratio = (&'static str, f64, f64, bool);

fn secs(d: Duration) -> f64 {
    d.as_secs_f64()
}

fn mb(kb: u64) -> f64 {
    kb as f64 / 1024.0
}

impl Report {
    pub fn new(n: usize) -> Self {
        Self {
            n,
            handshake: None,
            raw_runs: Vec::new(),
            one_resource: None,
            for_each: None,
            big: None,
            throttled: None,
            data_source: None,
        }
    }

    fn ratios(&self) -> Vec<Ratio> {
        let mut ratios = Vec::new();
        if let (Some(raw), Some(one)) = (RawTimes::mean(&self.raw_runs), &self.one_resource) {
            ratios.push((
                "provider ApplyResourceChange / raw create",
                secs(one.apply_rpc.elapsed) / secs(raw.create),
                1.1,
                true,
            ));
            ratios.push((
                "terraform apply (wall) / raw create",
                secs(one.apply) / secs(raw.create),
                f64::NAN,
                true,
            ));
            ratios.push((
                "no-change terraform plan / raw describe",
                secs(one.plan) / secs(raw.describe),
                2.0,
                true,
            ));
            ratios.push((
                "terraform destroy (wall) / raw delete",
                secs(one.destroy) / secs(raw.delete),
                f64::NAN,
                true,
            ));
        }
        if let (Some(each), Some(one)) = (&self.for_each, &self.one_resource) {
            ratios.push((
                "for_each apply / one-resource apply (speed-up)",
                secs(each.apply) / secs(one.apply),
                5.0,
                false,
            ));
        }
        if let Some(t) = &self.throttled {
            ratios.push((
                "throttled: provider creates/s / quota",
                t.provider_rate / QUOTA,
                0.95,
                false,
            ));
            ratios.push((
                "throttled: provider creates/s / raw loop",
                t.provider_rate / t.raw_rate,
                0.95,
                false,
            ));
        }
        if let Some(DataSourceFigures {
            current,
            baseline: Some(baseline),
            ..
        }) = &self.data_source
        {
            ratios.push((
                "data source ReadDataSource / baseline binary",
                secs(current.provider_median()) / secs(baseline.provider_median()),
                1.2,
                true,
            ));
            ratios.push((
                "data source terraform plan (wall) / baseline",
                secs(current.plan_median()) / secs(baseline.plan_median()),
                1.2,
                true,
            ));
        }
        if let Some(Comparison {
            planton,
            go: Some(go),
        }) = &self.handshake
        {
            ratios.push((
                "handshake planton / Go",
                secs(planton.handshake) / secs(go.handshake),
                0.5,
                true,
            ));
            ratios.push((
                "RSS at handshake planton / Go",
                planton.rss_kb as f64 / go.rss_kb as f64,
                0.75,
                true,
            ));
        }
        ratios
    }

    pub fn table(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "\nN = {}", self.n);
        if let Some(h) = &self.handshake {
            let _ = writeln!(
                out,
                "start-up (median of 10): planton {:.1} ms, {:.1} MB",
                secs(h.planton.handshake) * 1e3,
                mb(h.planton.rss_kb)
            );
            if let Some(go) = &h.go {
                let _ = writeln!(
                    out,
                    "start-up (median of 10): Go provider {:.1} ms, {:.1} MB",
                    secs(go.handshake) * 1e3,
                    mb(go.rss_kb)
                );
            }
        }
        for (label, raw) in ["before", "after"].iter().zip(&self.raw_runs) {
            let _ = writeln!(
                out,
                "raw SDK loop, {label}: create {:.2} s, describe {:.2} s, delete {:.2} s",
                secs(raw.create),
                secs(raw.describe),
                secs(raw.delete)
            );
        }
        if let Some(raw) = RawTimes::mean(&self.raw_runs) {
            let _ = writeln!(
                out,
                "raw SDK loop, mean (the ceiling in the ratios): create {:.2} s, describe {:.2} s, delete {:.2} s",
                secs(raw.create),
                secs(raw.describe),
                secs(raw.delete)
            );
        }
        if let Some(t) = &self.throttled {
            let _ = writeln!(
                out,
                "throttled ({QUOTA}/s write quota, {} names): provider {:.1} creates/s \
                 ({} throttled answers), raw loop {:.1} creates/s",
                t.names, t.provider_rate, t.provider_throttled, t.raw_rate
            );
        }
        for one in [&self.one_resource, &self.big].into_iter().flatten() {
            let _ = writeln!(
                out,
                "one resource, {} names: apply {:.2} s (provider {:.2} s, peak RSS {:.1} MB), plan {:.2} s (refresh {:.2} s, peak RSS {:.1} MB), destroy {:.2} s",
                one.names,
                secs(one.apply),
                secs(one.apply_rpc.elapsed),
                mb(one.apply_rpc.peak_rss_kb),
                secs(one.plan),
                secs(one.plan_read_rpc.elapsed),
                mb(one.plan_peak_rss_kb),
                secs(one.destroy)
            );
        }
        if let Some(each) = &self.for_each {
            let _ = writeln!(
                out,
                "for_each of {} single-name resources: apply {:.2} s, destroy {:.2} s",
                self.n,
                secs(each.apply),
                secs(each.destroy)
            );
        }
        if let Some(data) = &self.data_source {
            for (label, reads) in [
                ("provider", Some(&data.current)),
                ("baseline", data.baseline.as_ref()),
            ] {
                let Some(reads) = reads else { continue };
                let _ = writeln!(
                    out,
                    "data source, {} names ({} with a value), {label} binary: plan {:.2} s, ReadDataSource {:.2} s (medians of {}); calls per read: {}",
                    data.names,
                    data.with_value,
                    secs(reads.plan_median()),
                    secs(reads.provider_median()),
                    reads.plan.len(),
                    calls_text(reads)
                );
            }
        }
        let _ = writeln!(
            out,
            "\n{:<50} {:>8}  {:>8}  met",
            "ratio", "measured", "target"
        );
        for (name, value, target, lower_is_better) in self.ratios() {
            let (target_text, met) = if target.is_nan() {
                ("-".to_owned(), "-")
            } else {
                let met = if lower_is_better {
                    value <= target
                } else {
                    value >= target
                };
                (
                    format!("{}{target}", if lower_is_better { "<=" } else { ">=" }),
                    if met { "yes" } else { "NO" },
                )
            };
            let _ = writeln!(out, "{name:<50} {value:>8.2}  {target_text:>8}  {met}");
        }
        if let Some(big) = &self.big {
            let peak = big.apply_rpc.peak_rss_kb.max(big.plan_peak_rss_kb);
            let label = format!("peak RSS MB, {} names", big.names);
            let met = if mb(peak) < 50.0 { "yes" } else { "NO" };
            let _ = writeln!(out, "{label:<50} {:>8.1}  {:>8}  {met}", mb(peak), "<50");
        }
        out
    }

    pub fn json(&self) -> Value {
        let raw_json = |r: &RawTimes| json!({ "create_s": secs(r.create), "describe_s": secs(r.describe), "delete_s": secs(r.delete) });
        let one = |o: &OneResource| {
            json!({
                "names": o.names,
                "apply_s": secs(o.apply),
                "apply_provider_s": secs(o.apply_rpc.elapsed),
                "apply_peak_rss_mb": mb(o.apply_rpc.peak_rss_kb),
                "plan_s": secs(o.plan),
                "plan_refresh_provider_s": secs(o.plan_read_rpc.elapsed),
                "plan_peak_rss_mb": mb(o.plan_peak_rss_kb),
                "destroy_s": secs(o.destroy),
            })
        };
        let ratios: serde_json::Map<String, Value> = self
            .ratios()
            .into_iter()
            .map(|(name, value, target, _)| {
                (name.to_owned(), json!({ "measured": value, "target": if target.is_nan() { Value::Null } else { json!(target) } }))
            })
            .collect();
        let reads = |r: &Reads| {
            json!({
                "plan_s": r.plan.iter().map(|d| secs(*d)).collect::<Vec<_>>(),
                "read_data_source_s": r.provider.iter().map(|d| secs(*d)).collect::<Vec<_>>(),
                "plan_median_s": secs(r.plan_median()),
                "read_data_source_median_s": secs(r.provider_median()),
                "calls": r.calls,
            })
        };
        json!({
            "n": self.n,
            "data_source": self.data_source.as_ref().map(|d| json!({
                "names": d.names,
                "with_value": d.with_value,
                "provider": reads(&d.current),
                "baseline": d.baseline.as_ref().map(reads),
            })),
            "startup": self.handshake.as_ref().map(|h| json!({
                "planton_handshake_ms": secs(h.planton.handshake) * 1e3,
                "planton_rss_mb": mb(h.planton.rss_kb),
                "go_handshake_ms": h.go.as_ref().map(|g| secs(g.handshake) * 1e3),
                "go_rss_mb": h.go.as_ref().map(|g| mb(g.rss_kb)),
            })),
            "raw_runs": self.raw_runs.iter().map(raw_json).collect::<Vec<_>>(),
            "raw": RawTimes::mean(&self.raw_runs).as_ref().map(raw_json),
            "one_resource": self.one_resource.as_ref().map(one),
            "for_each": self.for_each.as_ref().map(|e| json!({ "apply_s": secs(e.apply), "destroy_s": secs(e.destroy) })),
            "big": self.big.as_ref().map(one),
            "throttled": self.throttled.as_ref().map(|t| json!({
                "names": t.names,
                "quota_per_s": QUOTA,
                "provider_creates_per_s": t.provider_rate,
                "provider_throttled": t.provider_throttled,
                "raw_creates_per_s": t.raw_rate,
            })),
            "ratios": ratios,
        })
    }
}

/// `1000 DescribeSecret` (and any other operation, by count).
fn calls_text(reads: &Reads) -> String {
    let text: Vec<String> = reads
        .calls
        .iter()
        .map(|(op, count)| format!("{count} {op}"))
        .collect();
    if text.is_empty() {
        "none".to_owned()
    } else {
        text.join(", ")
    }
}

/// One size of the scale comparison.
pub struct ScaleRow {
    pub names: usize,
    pub group_size: usize,
    pub one: OneResource,
    pub grouped: OneResource,
}

/// Wall time, the provider's time and Terraform's own of an apply. With
/// groups Terraform applies several resources at once, so the provider's
/// time (summed over calls) can exceed the wall time and Terraform's own
/// share is not known: `None`.
fn apply_split(run: &OneResource) -> (f64, f64, Option<f64>) {
    let wall = secs(run.apply);
    let provider = secs(run.apply_rpc.elapsed);
    (
        wall,
        provider,
        (provider <= wall).then_some(wall - provider),
    )
}

pub fn scale_table(rows: &[ScaleRow]) -> String {
    let mut out = String::from(
        "\nnames   layout            apply s  provider s  terraform s  plan s  destroy s\n\
         (provider s: the provider's apply calls summed; groups run concurrently)\n",
    );
    for row in rows {
        let groups = row.names.div_ceil(row.group_size.max(1));
        for (layout, run) in [
            ("one resource".to_owned(), &row.one),
            (format!("{groups} x {}", row.group_size), &row.grouped),
        ] {
            let (wall, provider, terraform) = apply_split(run);
            let terraform = terraform.map_or("-".to_owned(), |t| format!("{t:.1}"));
            let _ = writeln!(
                out,
                "{:<7} {:<17} {:>7.1}  {:>10.1}  {:>11}  {:>6.1}  {:>9.1}",
                row.names,
                layout,
                wall,
                provider,
                terraform,
                secs(run.plan),
                secs(run.destroy)
            );
        }
    }
    out
}

pub fn scale_json(rows: &[ScaleRow]) -> Value {
    let run = |r: &OneResource| {
        let (wall, provider, terraform) = apply_split(r);
        json!({
            "apply_s": wall,
            "apply_provider_s": provider,
            "apply_terraform_s": terraform,
            "plan_s": secs(r.plan),
            "destroy_s": secs(r.destroy),
            "plan_peak_rss_mb": mb(r.plan_peak_rss_kb),
        })
    };
    Value::Array(
        rows.iter()
            .map(|row| {
                json!({
                    "names": row.names,
                    "group_size": row.group_size,
                    "one_resource": run(&row.one),
                    "groups": run(&row.grouped),
                })
            })
            .collect(),
    )
}
