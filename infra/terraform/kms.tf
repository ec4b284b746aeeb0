# The data key of the buckets' server-side encryption, and the key that signs the ledger's
# checkpoints (the archive's cloud.kmsKeyId with cloud.signer "kms"): EC_P256, SIGN/VERIFY, HSM.

resource "alicloud_kms_key" "data" {
  description            = "${var.bucket_prefix}: OSS server-side encryption of the archive's buckets"
  key_spec               = "Aliyun_AES_256"
  key_usage              = "ENCRYPT/DECRYPT"
  protection_level       = "HSM"
  pending_window_in_days = 30
  status                 = "Enabled"
}

resource "alicloud_kms_key" "checkpoint" {
  description            = "${var.bucket_prefix}: signs the evidence ledger's checkpoints"
  key_spec               = "EC_P256"
  key_usage              = "SIGN/VERIFY"
  protection_level       = "HSM"
  pending_window_in_days = 30
  status                 = "Enabled"
}
