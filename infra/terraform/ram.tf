# The archive's identities, from the same policy documents the emulator's local identities load
# (infra/policies, src/emulator/iam/defaults.ts): what is tested locally is what is deployed.

resource "alicloud_ram_user" "service" {
  name         = "${var.bucket_prefix}-archive"
  display_name = "${var.bucket_prefix}-archive"
  comments     = "strongroom: the archive's own key (no DeleteObject, no bucket administration)"
}

resource "alicloud_ram_policy" "service" {
  policy_name     = "${var.bucket_prefix}-archive-service"
  policy_document = templatefile("${local.policy_dir}/archive-service.json", local.policy_vars)
  description     = "strongroom: the archive service"
}

resource "alicloud_ram_user_policy_attachment" "service" {
  policy_name = alicloud_ram_policy.service.policy_name
  policy_type = "Custom"
  user_name   = alicloud_ram_user.service.name
}

resource "alicloud_ram_role" "export_reader" {
  role_name                   = "${var.bucket_prefix}-export-reader"
  assume_role_policy_document = templatefile("${local.policy_dir}/export-reader-trust.json", local.policy_vars)
  max_session_duration        = 43200
  description                 = "strongroom: signs the SFC's export download links (sessions narrowed to one export)"
}

resource "alicloud_ram_policy" "export_reader" {
  policy_name     = "${var.bucket_prefix}-export-reader"
  policy_document = templatefile("${local.policy_dir}/export-reader.json", local.policy_vars)
  description     = "strongroom: read the exports bucket"
}

resource "alicloud_ram_role_policy_attachment" "export_reader" {
  policy_name = alicloud_ram_policy.export_reader.policy_name
  policy_type = "Custom"
  role_name   = alicloud_ram_role.export_reader.role_name
}

resource "alicloud_ram_role" "disposition" {
  role_name                   = "${var.bucket_prefix}-disposition"
  assume_role_policy_document = templatefile("${local.policy_dir}/disposition-trust.json", local.policy_vars)
  max_session_duration        = 3600
  description                 = "strongroom: deletes records whose retention has ended (sessions narrowed to exact keys)"
}

resource "alicloud_ram_policy" "disposition" {
  policy_name     = "${var.bucket_prefix}-disposition"
  policy_document = templatefile("${local.policy_dir}/disposition.json", local.policy_vars)
  description     = "strongroom: delete expired records"
}

resource "alicloud_ram_role_policy_attachment" "disposition" {
  policy_name = alicloud_ram_policy.disposition.policy_name
  policy_type = "Custom"
  role_name   = alicloud_ram_role.disposition.role_name
}
