"""UI text of the directory's own pages (most of its labels are core's)."""

MESSAGES: dict[str, tuple[str, str]] = {
    "node_keys": ("签名密钥", "Signing keys"),
    "node_keys_intro": (
        "本节点签署电子证照和交换回执所用的全部公钥。签名带有密钥标识，验证时按标识选用密钥，"
        "因此轮换密钥或切换算法套件后，此前签署的内容仍可验证（因泄露停用的密钥除外）。"
        "轮换密钥请在服务器上执行 govshare keys rotate。",
        "Every public key this node has signed certificates and exchange receipts with. Signatures carry the "
        "key id and are verified with the key it names, so what was signed before a rotation or a suite switch "
        "still verifies (unless the key was retired as compromised). Rotate with `govshare keys rotate` on the "
        "server.",
    ),
    "key_id": ("密钥标识", "Key id"),
    "suite": ("算法套件", "Suite"),
    "valid_from": ("启用时间", "In use from"),
    "valid_to": ("停用时间", "Retired on"),
    "retired_reason": ("停用原因", "Why retired"),
    "key_in_use": ("使用中", "in use"),
    "retired_rotated": ("定期轮换", "rotated"),
    "retired_suite_switch": ("切换算法套件", "suite switch"),
    "retired_replaced": ("在系统外被替换", "replaced outside govshare"),
    "retired_compromised": ("泄露停用", "compromised"),
    "public_key": ("公钥", "Public key"),
}
