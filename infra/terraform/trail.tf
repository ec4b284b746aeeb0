# ActionTrail: every management event of the account, delivered to the audit bucket.

resource "alicloud_actiontrail_trail" "this" {
  trail_name      = "${var.bucket_prefix}-trail"
  oss_bucket_name = alicloud_oss_bucket.this["audit"].bucket
  oss_key_prefix  = "actiontrail/"
  event_rw        = var.trail_event_rw
  trail_region    = "All"
  status          = "Enable"
}
