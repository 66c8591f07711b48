//! The append-only, hash-chained audit log.
//!
//! Each entry's hash is SHA-256 over a canonical, length-prefixed encoding of all its
//! fields and the previous entry's hash:
//!
//! ```text
//! "duban.audit/1" ‖ u64be(seq) ‖ field(at) ‖ field(actor) ‖ field(action)
//!                 ‖ field(subject) ‖ field(payload_json) ‖ field(prev_hash)
//! field(s) = u64be(len(s in bytes)) ‖ s (UTF-8)
//! ```
//!
//! Length prefixes make the encoding injective: no two different entries share an
//! encoding (plain concatenation would let `("ab","c")` collide with `("a","bc")`). The
//! first entry's `prev_hash` is [`GENESIS_HASH`]. [`verify_chain`] recomputes everything
//! and names the first entry that does not match. Removing entries from the *end* of the
//! log cannot be seen from the log alone; callers that need that keep the head hash
//! elsewhere (a published checkpoint) and pass it to [`verify_segment`].

use crate::hash::sha256_hex;
use serde::{Deserialize, Serialize};

/// How an office reads an audit action (`report.submit` → 报送报告). `None` for an action
/// this table does not know; callers then show the code itself, so nothing is hidden.
pub fn action_label(action: &str) -> Option<&'static str> {
    Some(match action {
        "auth.login" => "登录",
        "auth.login_failed" => "登录失败",
        "auth.logout" => "退出登录",
        "report.create" => "新建报告",
        "report.edit" => "修改报告",
        "report.submit" => "报送报告",
        "report.withdraw" => "撤回报告",
        "report.accept" => "审核通过报告",
        "report.return" => "退回报告",
        "report.reopen" => "重新打开报告",
        "report.evidence" | "report.evidence_add" => "上传佐证材料",
        "report.evidence_remove" => "删除佐证材料",
        "report.submitted" => "报送报告",
        "monitor.alert.raised" => "发出监测预警",
        "monitor.alert.acknowledged" => "确认监测预警",
        "monitor.alert.interviewed" => "记录预警约谈",
        "monitor.alert.closed" => "关闭监测预警",
        "plan.import" => "导入计划",
        "plan.edit" => "修改计划",
        "plan.adopt" => "通过计划",
        "plan.unadopt" => "撤销通过计划",
        "plan.adjust" => "调整计划",
        "plan.confirm_assignment" => "确认任务分工",
        "task.edit" => "修改任务",
        "task.create" => "新增任务",
        "task.delete" => "删除任务",
        "task.merge" => "合并任务",
        "task.split" => "拆分任务",
        "target.move" => "移动目标",
        "pillar.create" => "新增板块",
        "pillar.delete" => "删除板块",
        "unit.create" => "新增单位",
        "unit.contact" => "设置单位联系方式",
        "unit.alias" => "设置单位别名",
        "unit.kind" => "修改单位类型",
        "unit.merge" => "合并单位",
        "unit.confirm" => "确认新单位",
        "user.create" => "新建用户",
        "user.password" => "修改密码",
        "user.disable" => "停用用户",
        "user.enable" => "启用用户",
        "token.create" => "创建接口令牌",
        "token.revoke" => "吊销接口令牌",
        "escalation.raise" | "escalation.raised" => "下发督办",
        "escalation.respond" | "escalation.responded" => "反馈整改情况",
        "escalation.close" | "escalation.closed" => "督办销号",
        "escalation.reject" | "escalation.rejected" => "退回整改反馈",
        "escalation.rules" => "修改督办规则",
        "calendar.edit" => "修改工作日历",
        "notify.settings" => "修改通知设置",
        "publication.create" => "发布",
        "publication.withdraw" => "撤回发布",
        "bulletin.draft" => "起草通报",
        "bulletin.review" => "审核通报",
        "bulletin.issue" => "签发通报",
        "monitor.catalogue" => "修改监测指标目录",
        "monitor.import" => "导入监测数据",
        "monitor.rules" => "修改预警规则",
        "monitor.alert.raise" => "发出监测预警",
        "monitor.alert.acknowledge" => "确认监测预警",
        "monitor.alert.interview" => "记录预警约谈",
        "monitor.alert.close" => "关闭监测预警",
        "monitor.bind" => "目标绑定监测指标",
        "muni.scheme.create" => "新建亩均评价方案",
        "muni.policy.edit" => "修改亩均差别化政策表",
        "muni.dataset.upload" => "上传亩均企业数据",
        "muni.run.queue" => "提交亩均评价运行",
        "muni.run.cancel" => "取消亩均评价运行",
        "muni.run.done" => "完成亩均评价运行",
        "muni.publicity.open" => "亩均评价结果公示",
        "muni.objection.record" => "登记亩均评价异议",
        "muni.objection.decide" => "处理亩均评价异议",
        "muni.final.publish" => "亩均评价结果正式发布",
        "eval.method.create" => "新建评价方法",
        "eval.method.update" => "修改评价方法",
        "eval.dataset.create" => "上传评价数据",
        "eval.run" => "运行综合评价",
        "eval.publish" => "发布评价快照",
        _ => return None,
    })
}

/// How an office reads a detail key of an audit entry (`next_steps` → 下步打算); `None` for
/// a key this table does not know (shown as it is).
fn payload_key_label(key: &str) -> Option<&'static str> {
    Some(match key {
        "progress" => "进展情况",
        "problems" => "存在问题",
        "next_steps" => "下步打算",
        "milestone" => "节点状态",
        "milestone_share" => "完成比例",
        "values" => "数值",
        "content" => "内容",
        "comment" => "意见",
        "reason" => "原因",
        "note" => "说明",
        "from" => "原状态",
        "to" => "新状态",
        "version" => "版本",
        "file_name" | "file" => "文件",
        "size" => "大小（字节）",
        "sha256" => "SHA-256",
        "period" => "报告期",
        "as_of" => "截至",
        "title" => "标题",
        "name" => "名称",
        "level" => "级别",
        "value" => "数值",
        "measures" => "整改措施",
        "respond_by" => "反馈期限",
        "unit" => "单位",
        "task_id" => "任务编号",
        "report_id" => "报告编号",
        "unit_id" => "单位编号",
        "plan_id" => "计划编号",
        "demo" => "示例数据",
        "ip" => "IP 地址",
        "user" => "用户",
        "role" => "角色",
        "id" => "编号",
        "ident" => "规则标识",
        "raised_on" => "发起日期",
        "task_number" => "任务序号",
        "indicator" => "指标",
        "region" => "地区",
        "rule" => "规则",
        "kind" => "类别",
        "data_hash" => "数据摘要",
        "method_hash" => "方法摘要",
        "series" => "通报系列",
        "year" => "年度",
        "number" => "期号",
        "publication" => "发布件",
        "metric" => "指标",
        "unit_code" => "单位代码",
        "state" => "状态",
        _ => return None,
    })
}

/// An entry's details as lines an office reads: keys by their Chinese names, report states
/// by theirs, `true`/`false` as 是/否, one level of nested objects flattened (内容 · 进展情况),
/// `null` and empty texts left out. Details that are not a JSON object come back whole.
pub fn payload_lines(payload_json: &str) -> Vec<(String, String)> {
    fn text(key: &str, v: &serde_json::Value) -> Option<String> {
        match v {
            serde_json::Value::Null => None,
            serde_json::Value::String(s) if s.is_empty() => None,
            serde_json::Value::String(s) if matches!(key, "from" | "to") => Some(
                crate::report::ReportState::parse(s)
                    .map_or_else(|| s.clone(), |st| st.label_zh().to_string()),
            ),
            serde_json::Value::String(s) => Some(s.clone()),
            serde_json::Value::Bool(b) => Some(if *b { "是" } else { "否" }.to_string()),
            serde_json::Value::Number(n) => {
                Some(n.as_f64().filter(|x| x.fract() != 0.0).map_or_else(
                    || n.to_string(),
                    |x| format!("{}", (x * 100.0).round() / 100.0),
                ))
            }
            // A list of values (`values` of a report): metric, value and unit per item.
            serde_json::Value::Array(items) => Some(
                items
                    .iter()
                    .map(|item| match item {
                        serde_json::Value::Object(o) => {
                            let metric = o.get("metric").and_then(|m| m.as_str()).unwrap_or("");
                            let value = o.get("value").map_or_else(String::new, |v| {
                                v.as_f64().map_or_else(|| "未填".into(), |x| format!("{x}"))
                            });
                            let unit = o.get("unit").and_then(|u| u.as_str()).unwrap_or("");
                            if metric.is_empty() {
                                item.to_string()
                            } else {
                                format!("{metric} {value}{unit}")
                            }
                        }
                        other => other
                            .as_str()
                            .map_or_else(|| other.to_string(), str::to_string),
                    })
                    .collect::<Vec<_>>()
                    .join("；"),
            ),
            other => Some(other.to_string()),
        }
    }
    let label = |k: &str| payload_key_label(k).map_or_else(|| k.to_string(), str::to_string);
    match serde_json::from_str::<serde_json::Value>(payload_json) {
        Ok(serde_json::Value::Object(fields)) => {
            let mut lines = Vec::new();
            for (k, v) in &fields {
                match v {
                    serde_json::Value::Object(inner) => {
                        for (ik, iv) in inner {
                            if let Some(t) = text(ik, iv) {
                                lines.push((format!("{} · {}", label(k), label(ik)), t));
                            }
                        }
                    }
                    _ => {
                        if let Some(t) = text(k, v) {
                            lines.push((label(k), t));
                        }
                    }
                }
            }
            lines
        }
        _ => vec![(String::new(), payload_json.to_string())],
    }
}

/// How an office reads an audit subject, part by part: (noun, identifier) —
/// `task:29/escalation:158` → [("任务 #", "29"), ("督办记录 #", "158")]. The identifier is
/// data (an id, a user name) and is kept apart so a page can mark it as such. Unknown parts
/// come back whole as the identifier with no noun.
pub fn subject_parts(subject: &str) -> Vec<(&'static str, String)> {
    subject
        .split('/')
        .map(|part| {
            let (kind, id) = part.split_once(':').unwrap_or((part, ""));
            let noun = match kind {
                "task" => "任务 #",
                "report" => "报告 #",
                "escalation" => "督办记录 #",
                "plan" => "计划 #",
                "unit" => "单位 #",
                "user" => "用户 ",
                "token" => "令牌 #",
                "publication" => "发布件 #",
                "pillar" => "板块 #",
                "bulletin" => "通报 #",
                "monitor-import" => "监测数据导入 #",
                "monitor-alert" => "监测预警 #",
                "target" => "目标 #",
                "muni-scheme" => "亩均评价方案 #",
                "muni-dataset" => "亩均企业数据 #",
                "muni-run" => "亩均评价运行 #",
                "eval-method" => "评价方法 #",
                "eval-dataset" => "评价数据 #",
                "eval-run" => "评价运行 #",
                "settings" => {
                    let name = match id {
                        "notify" => "通知设置",
                        "calendar" => "工作日历",
                        "escalation" => "督办规则",
                        "monitor" => "预警规则",
                        "monitor-catalogue" => "监测指标目录",
                        _ => return ("设置：", id.to_string()),
                    };
                    return (name, String::new());
                }
                _ => return ("", part.to_string()),
            };
            (noun, id.to_string())
        })
        .collect()
}

/// [`subject_parts`] as one line of text.
pub fn subject_label(subject: &str) -> String {
    subject_parts(subject)
        .iter()
        .map(|(noun, id)| format!("{noun}{id}"))
        .collect::<Vec<_>>()
        .join(" / ")
}

/// Domain tag of the encoding; a new encoding gets a new tag.
pub const AUDIT_CHAIN_VERSION: &str = "duban.audit/1";

/// `prev_hash` of the first entry: 64 zeros.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// One entry of the audit log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    /// 1, 2, 3 … without gaps.
    pub seq: u64,
    /// ISO-8601 timestamp as given by the caller (the core has no clock).
    pub at: String,
    pub actor: String,
    /// e.g. `report.submit`, `plan.edit`, `escalation.raise`, `auth.login`.
    pub action: String,
    /// What was acted on, e.g. `report:42`.
    pub subject: String,
    /// The details as JSON text, hashed byte for byte.
    pub payload_json: String,
    /// Hex SHA-256 of the previous entry ([`GENESIS_HASH`] for the first).
    pub prev_hash: String,
    /// Hex SHA-256 of this entry's canonical encoding.
    pub hash: String,
}

impl AuditEntry {
    /// The entry that follows the chain head (`head_seq`, `head_hash`) — seq 0 and
    /// [`GENESIS_HASH`] for an empty chain — with its hash computed. This is how an entry
    /// appended unsealed is sealed once its transaction has committed.
    pub fn after(
        head_seq: u64,
        head_hash: impl Into<String>,
        at: impl Into<String>,
        actor: impl Into<String>,
        action: impl Into<String>,
        subject: impl Into<String>,
        payload_json: impl Into<String>,
    ) -> AuditEntry {
        let mut e = AuditEntry {
            seq: head_seq + 1,
            at: at.into(),
            actor: actor.into(),
            action: action.into(),
            subject: subject.into(),
            payload_json: payload_json.into(),
            prev_hash: head_hash.into(),
            hash: String::new(),
        };
        e.hash = e.compute_hash();
        e
    }

    /// The canonical encoding hashed for this entry (everything except `hash`).
    pub fn canonical_bytes(&self) -> Vec<u8> {
        let fields = [
            &self.at,
            &self.actor,
            &self.action,
            &self.subject,
            &self.payload_json,
            &self.prev_hash,
        ];
        let mut out = Vec::with_capacity(
            AUDIT_CHAIN_VERSION.len() + 8 + fields.iter().map(|f| f.len() + 8).sum::<usize>(),
        );
        out.extend_from_slice(AUDIT_CHAIN_VERSION.as_bytes());
        out.extend_from_slice(&self.seq.to_be_bytes());
        for f in fields {
            out.extend_from_slice(&(f.len() as u64).to_be_bytes());
            out.extend_from_slice(f.as_bytes());
        }
        out
    }

    /// Lower-case hex SHA-256 of [`canonical_bytes`](Self::canonical_bytes).
    pub fn compute_hash(&self) -> String {
        sha256_hex(&self.canonical_bytes())
    }
}

/// The first entry where the chain breaks, and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("审计链在第 {seq} 条断开: {reason}")]
pub struct ChainBreak {
    pub seq: u64,
    pub reason: String,
}

/// Verifies a whole log from its first entry (seq 1, prev = genesis).
pub fn verify_chain(entries: &[AuditEntry]) -> Result<(), ChainBreak> {
    verify_segment(entries, 1, GENESIS_HASH, None)
}

/// Verifies consecutive entries starting at `first_seq` whose first `prev_hash` must be
/// `prev_hash`; with `head`, the last entry's hash must equal it (detects truncation).
pub fn verify_segment(
    entries: &[AuditEntry],
    first_seq: u64,
    prev_hash: &str,
    head: Option<&str>,
) -> Result<(), ChainBreak> {
    let mut expected_seq = first_seq;
    let mut expected_prev = prev_hash.to_string();
    for e in entries {
        let fail = |reason: String| Err(ChainBreak { seq: e.seq, reason });
        if e.seq != expected_seq {
            return fail(format!(
                "序号应为 {expected_seq}，实为 {}（有条目缺失或重复）",
                e.seq
            ));
        }
        if e.prev_hash != expected_prev {
            return fail("前序哈希与上一条不符（上一条或本条被改动）".into());
        }
        if e.hash != e.compute_hash() {
            return fail("内容哈希不符（本条被改动）".into());
        }
        expected_prev = e.hash.clone();
        expected_seq += 1;
    }
    if let Some(head) = head
        && head != expected_prev
    {
        return Err(ChainBreak {
            seq: expected_seq,
            reason: "链尾哈希与检查点不符（日志尾部被截断或替换）".into(),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn chain(n: usize) -> Vec<AuditEntry> {
        let mut v: Vec<AuditEntry> = Vec::new();
        for i in 0..n {
            let (seq, hash) = v
                .last()
                .map_or((0, GENESIS_HASH.to_string()), |p| (p.seq, p.hash.clone()));
            let e = AuditEntry::after(
                seq,
                hash,
                format!("2020-04-0{}T09:00:00+08:00", i % 9 + 1),
                "省民政厅/张三",
                "report.submit",
                format!("report:{i}"),
                format!("{{\"value\":{i}}}"),
            );
            v.push(e);
        }
        v
    }

    #[test]
    fn known_vector_and_links() {
        let c = chain(3);
        assert_eq!(c[0].prev_hash, GENESIS_HASH);
        assert_eq!(c[1].prev_hash, c[0].hash);
        assert_eq!(c[0].hash.len(), 64);
        assert!(verify_chain(&c).is_ok());
        assert!(verify_chain(&[]).is_ok());
        // Independent check of the encoding for the first entry.
        let e = &c[0];
        let mut bytes = b"duban.audit/1".to_vec();
        bytes.extend_from_slice(&1u64.to_be_bytes());
        for f in [
            &e.at,
            &e.actor,
            &e.action,
            &e.subject,
            &e.payload_json,
            &e.prev_hash,
        ] {
            bytes.extend_from_slice(&(f.len() as u64).to_be_bytes());
            bytes.extend_from_slice(f.as_bytes());
        }
        assert_eq!(e.canonical_bytes(), bytes);
        assert_eq!(e.hash, sha256_hex(&bytes));
    }

    #[test]
    fn shifting_bytes_between_fields_changes_the_hash() {
        let a = AuditEntry::after(0, GENESIS_HASH, "t", "ab", "c", "s", "{}");
        let b = AuditEntry::after(0, GENESIS_HASH, "t", "a", "bc", "s", "{}");
        assert_ne!(a.hash, b.hash);
    }

    #[test]
    fn breaks_are_named() {
        let mut c = chain(5);
        c[2].payload_json = "{\"value\":999}".into();
        assert_eq!(verify_chain(&c).unwrap_err().seq, 3);
        // Re-hashing the tampered entry moves the break to the next one.
        c[2].hash = c[2].compute_hash();
        let e = verify_chain(&c).unwrap_err();
        assert_eq!(e.seq, 4);
        assert!(e.reason.contains("前序哈希"));
        // A deleted entry shows as a sequence gap.
        let mut c = chain(5);
        c.remove(1);
        assert_eq!(verify_chain(&c).unwrap_err().seq, 3);
        // Truncation needs a checkpoint.
        let c = chain(5);
        let head = c[4].hash.clone();
        assert!(verify_segment(&c[..4], 1, GENESIS_HASH, Some(&head)).is_err());
        assert!(verify_segment(&c[2..], 3, &c[1].hash, Some(&head)).is_ok());
    }

    proptest! {
        #[test]
        fn any_mutation_is_detected(
            n in 1usize..8,
            which in 0usize..8,
            field in 0usize..8,
            junk in "[a-z0-9中文]{0,6}",
            flip in 0usize..64,
        ) {
            let mut c = chain(n);
            let i = which % n;
            let original = c[i].clone();
            let e = &mut c[i];
            match field {
                0 => e.seq = e.seq.wrapping_add(1 + flip as u64),
                1 => e.at.push_str(&format!("{junk}x")),
                2 => e.actor = format!("{}{junk}!", e.actor),
                3 => e.action.insert_str(0, &format!("{junk}.")),
                4 => e.subject.push('#'),
                5 => e.payload_json = format!("{}{junk} ", e.payload_json),
                6 => {
                    // Flip one hex digit of prev_hash.
                    let mut b = e.prev_hash.clone().into_bytes();
                    b[flip] = if b[flip] == b'0' { b'1' } else { b'0' };
                    e.prev_hash = String::from_utf8(b).unwrap();
                }
                _ => {
                    let mut b = e.hash.clone().into_bytes();
                    b[flip] = if b[flip] == b'0' { b'1' } else { b'0' };
                    e.hash = String::from_utf8(b).unwrap();
                }
            }
            prop_assert_ne!(&c[i], &original);
            let err = verify_chain(&c).unwrap_err();
            prop_assert_eq!(err.seq, c[i].seq);
        }
    }
}

#[cfg(test)]
mod label_tests {
    use super::payload_lines;

    #[test]
    fn details_read_in_chinese() {
        let lines = payload_lines(
            r#"{"from":"returned","to":"draft","content":{"progress":"推进中","milestone":null},"demo":false,"custom":3}"#,
        );
        let shown: Vec<(&str, &str)> = lines
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        assert_eq!(
            shown,
            [
                ("内容 · 进展情况", "推进中"),
                ("custom", "3"),
                ("示例数据", "否"),
                ("原状态", "已退回"),
                ("新状态", "草稿"),
            ]
        );
        assert_eq!(
            payload_lines("not json"),
            [(String::new(), "not json".to_string())]
        );
        let lines = payload_lines(
            r#"{"content":{"values":[{"metric":"景区城","value":12.0,"unit":"个","target_id":9}]},"value":-0.933237616654714}"#,
        );
        assert_eq!(
            lines,
            [
                ("内容 · 数值".to_string(), "景区城 12个".to_string()),
                ("数值".to_string(), "-0.93".to_string()),
            ]
        );
    }

    use super::{action_label, subject_label};

    #[test]
    fn actions_and_subjects_read_in_chinese() {
        assert_eq!(action_label("auth.login"), Some("登录"));
        assert_eq!(action_label("report.return"), Some("退回报告"));
        assert_eq!(action_label("something.new"), None);
        assert_eq!(
            subject_label("task:29/escalation:158"),
            "任务 #29 / 督办记录 #158"
        );
        assert_eq!(subject_label("user:admin"), "用户 admin");
        assert_eq!(subject_label("settings:notify"), "通知设置");
        assert_eq!(subject_label("odd"), "odd");
    }
}
