"""The error codes the auth capability raises, each with its zh-CN and en message (kit/errors.py)."""

from __future__ import annotations

from lianmeng.kit.errors import ErrorCode


class Problem(ErrorCode):
    INVALID_TOKEN = "invalid_token", "登录凭证无效", "Invalid credentials token"
    TOKEN_EXPIRED = "token_expired", "登录已过期,请重新登录", "Your session has expired; please log in again"
    INVALID_API_KEY = "invalid_api_key", "API 密钥无效或已停用", "Invalid or revoked API key"
    BAD_CREDENTIALS = "bad_credentials", "用户名或密码错误", "Wrong username or password"
    USER_DISABLED = "user_disabled", "账号已停用", "This account is disabled"
    LOGIN_THROTTLED = (
        "login_throttled",
        "登录失败次数过多,请 {seconds} 秒后再试",
        "Too many failed logins; try again in {seconds} seconds",
    )
    INVALID_ROLE = "invalid_role", "不能创建该角色的账号", "You cannot create an account with this role"
    OTP_INVALID = "otp_invalid", "验证码错误或已过期", "Wrong or expired one-time code"
    OTP_TOO_MANY = "otp_too_many", "验证码尝试次数过多,请重新获取", "Too many attempts; request a new code"
    OTP_SEND_THROTTLED = (
        "otp_send_throttled",
        "获取验证码过于频繁,请 {seconds} 秒后再试",
        "Codes were requested too often; try again in {seconds} seconds",
    )
    OTP_VERIFY_THROTTLED = (
        "otp_verify_throttled",
        "验证码尝试次数过多,请 {seconds} 秒后再试",
        "Too many wrong codes; try again in {seconds} seconds",
    )
    USERNAME_TAKEN = "username_taken", "用户名已被占用", "Username already taken"
    OTP_REQUIRED = (
        "otp_required",
        "请先获取短信验证码,并与手机号一起提交",
        "Request a one-time code first and send it with the phone",
    )
