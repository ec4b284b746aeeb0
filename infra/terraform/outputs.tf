# What the archive's production configuration takes (infra/README.md, "From Terraform to the
# configuration"): each output names the configuration key it fills.

output "bucket_prefix" {
  description = "buckets.prefix"
  value       = var.bucket_prefix
}

output "oss_region" {
  description = "oss.region"
  value       = "oss-${var.region}"
}

output "oss_endpoint" {
  description = "oss.endpoint"
  value       = "https://oss-${var.region}.aliyuncs.com"
}

output "cloud_region" {
  description = "cloud.region"
  value       = var.region
}

output "sse_kms_key_id" {
  description = "buckets.encryption.kmsKeyId: the buckets' SSE-KMS key (this module sets it; provision and doctor check the same)"
  value       = alicloud_kms_key.data.id
}

output "checkpoint_key_id" {
  description = "cloud.kmsKeyId (with cloud.signer kms)"
  value       = alicloud_kms_key.checkpoint.id
}

output "export_reader_role_arn" {
  description = "cloud.exportRoleArn"
  value       = alicloud_ram_role.export_reader.arn
}

output "disposition_role_arn" {
  description = "cloud.dispositionRoleArn"
  value       = alicloud_ram_role.disposition.arn
}

output "service_user_name" {
  description = "The RAM user whose access key the archive runs with (STRONGROOM_OSS_ACCESS_KEY_ID / _SECRET; create the key outside Terraform so its secret is not in the state)"
  value       = alicloud_ram_user.service.name
}

output "retention_days" {
  description = "buckets.classes[].days, by class name: must equal the archive's configuration"
  value       = local.classes
}

output "trail_name" {
  description = "The ActionTrail trail delivering to the audit bucket"
  value       = alicloud_actiontrail_trail.this.trail_name
}
