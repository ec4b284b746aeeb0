# The production layout the archive expects (src/config bucketPlan, src/provision, src/runtime):
# one bucket per retention class, the audit, exports and logs buckets, each with its retention
# policy, access logging to the logs bucket, SSE-KMS and the HTTPS-only bucket policy.

data "alicloud_account" "current" {}

locals {
  account_id   = data.alicloud_account.current.id
  policy_dir   = "${path.module}/../policies"
  classes_file = var.retention_classes_file == null ? "${path.module}/../retention-classes.json" : var.retention_classes_file
  classes      = { for c in jsondecode(file(local.classes_file)).classes : c.name => c.days }
  longest      = max(values(local.classes)...)

  # Key: the bucket's role (and class); as bucketPlan names them.
  buckets = merge(
    { for name, days in local.classes : "records-${name}" => { name = "${var.bucket_prefix}-records-${name}", days = days, role = "records" } },
    {
      audit   = { name = "${var.bucket_prefix}-audit", days = coalesce(var.audit_days, local.longest), role = "audit" }
      exports = { name = "${var.bucket_prefix}-exports", days = coalesce(var.exports_days, local.longest), role = "exports" }
      logs    = { name = "${var.bucket_prefix}-logs", days = coalesce(var.logs_days, local.longest), role = "logs" }
    },
  )

  # src/provision ACCESS_LOG_PREFIX
  access_log_prefix = "access-log/"

  # The placeholders of infra/policies (policies/README.md).
  policy_vars = { bucket_prefix = var.bucket_prefix, account_id = local.account_id }
}

resource "alicloud_oss_bucket" "this" {
  for_each      = local.buckets
  bucket        = each.value.name
  storage_class = "Standard"
  tags = {
    "strongroom:role" = each.value.role
  }
}

resource "alicloud_oss_bucket_worm" "this" {
  for_each                 = local.buckets
  bucket                   = alicloud_oss_bucket.this[each.key].bucket
  retention_period_in_days = each.value.days
  status                   = var.lock_retention ? "Locked" : "InProgress"
}

# Every bucket but the logs bucket logs to the logs bucket (it does not log to itself).
resource "alicloud_oss_bucket_logging" "this" {
  for_each      = { for k, b in local.buckets : k => b if k != "logs" }
  bucket        = alicloud_oss_bucket.this[each.key].bucket
  target_bucket = alicloud_oss_bucket.this["logs"].bucket
  target_prefix = local.access_log_prefix
}

resource "alicloud_oss_bucket_server_side_encryption" "this" {
  for_each          = local.buckets
  bucket            = alicloud_oss_bucket.this[each.key].bucket
  sse_algorithm     = "KMS"
  kms_master_key_id = alicloud_kms_key.data.id
}

resource "alicloud_oss_bucket_policy" "https_only" {
  for_each = local.buckets
  bucket   = alicloud_oss_bucket.this[each.key].bucket
  policy   = templatefile("${local.policy_dir}/bucket-https-only.json", merge(local.policy_vars, { bucket_name = each.value.name }))
}
