"""The error codes the export and import of an alliance raise, each with its zh-CN and en message
(kit/errors.py)."""

from __future__ import annotations

from lianmeng.kit.errors import ErrorCode


class Problem(ErrorCode):
    EXPORT_NO_SUCH_ALLIANCE = (
        "export_no_such_alliance", "没有代码为 {alliance} 的联盟", "No alliance has the code {alliance}")
    IMPORT_NOT_AN_EXPORT = (
        "import_not_an_export",
        "该文件不是联盟导出文件(或版本不受支持):{reason}",
        "This file is not an alliance export (or its version is not supported): {reason}",
    )
    IMPORT_KEY_MISMATCH = (
        "import_key_mismatch",
        "导出文件的加密密钥指纹 {theirs} 与本库密钥指纹 {ours} 不同:会员手机号等个人数据以密文导出,只有使用相同的 "
        "LIANMENG_SECRET_KEY 才能读取。请用导出时的密钥运行导入,未做任何更改",
        "The export was made under another secret key (fingerprint {theirs}, this installation's is {ours}): "
        "personal data such as phone numbers travels encrypted and only the same LIANMENG_SECRET_KEY can read it. "
        "Run the import with the exporting installation's key; nothing was changed",
    )
    IMPORT_REVISION_MISMATCH = (
        "import_revision_mismatch",
        "导出文件的数据库版本是 {theirs},目标数据库是 {ours}:请先把两边迁移到同一版本(lianmeng db upgrade),"
        "未做任何更改",
        "The export is at database revision {theirs} and the target at {ours}: migrate both to the same revision "
        "(lianmeng db upgrade) first; nothing was changed",
    )
    IMPORT_ALLIANCE_EXISTS = (
        "import_alliance_exists",
        "目标数据库已有代码为 {alliance} 的联盟:不会覆盖已有数据,未做任何更改",
        "The target database already has an alliance with the code {alliance}: an import never overwrites existing "
        "data; nothing was changed",
    )
    IMPORT_IDS_TAKEN = (
        "import_ids_taken",
        "目标数据库的表 {table} 已有相同编号的行(如 {ids}):不会覆盖已有数据,请导入到空数据库或编号不重叠的数据库,"
        "未做任何更改",
        "The target's table {table} already holds rows with the same ids (e.g. {ids}): an import never overwrites "
        "existing data; import into an empty database or one whose ids do not overlap; nothing was changed",
    )
    IMPORT_COLLIDES = (
        "import_collides",
        "表 {table} 的行与目标数据库已有数据冲突({reason}),未做任何更改",
        "Rows of table {table} collide with data in the target database ({reason}); nothing was changed",
    )
    IMPORT_SCHEMA_DIFFERS = (
        "import_schema_differs",
        "导出文件的表 {table} 与目标数据库的结构不同:{reason},未做任何更改",
        "The export's table {table} does not match the target's schema: {reason}; nothing was changed",
    )
    IMPORT_TRUNCATED = (
        "import_truncated",
        "导出文件不完整:表 {table} 应有 {expected} 行,读到 {found} 行,未做任何更改",
        "The export is incomplete: table {table} should have {expected} rows, {found} were read; nothing was "
        "changed",
    )
    EXPORT_POINTS_OUTSIDE = (
        "export_points_outside",
        "联盟的数据引用了联盟之外的行({where}),导入到其他数据库后将无法对应,未导出",
        "The alliance's rows point to rows outside it ({where}); they could not be restored elsewhere, so nothing "
        "was exported",
    )
    IMPORT_VERIFY_FAILED = (
        "import_verify_failed",
        "导入后校验未通过({count} 项,如:{first}),未做任何更改",
        "The check after import failed ({count} problems, e.g. {first}); nothing was changed",
    )
