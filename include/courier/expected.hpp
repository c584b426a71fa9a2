// courier::expected — the result type of every fallible channel operation.
//
// Under C++23 with a standard library that provides std::expected, courier::expected,
// courier::unexpected and courier::bad_expected_access are the standard ones. Otherwise this header
// supplies conforming types with the subset of the std::expected interface that courier's users
// need: has_value(), explicit operator bool, operator*, operator->, value(), error(), value_or(),
// comparison with a value, with courier::unexpected and with another expected, and expected<void,
// E>.
#pragma once

#include <exception>
#include <initializer_list>
#include <type_traits>
#include <utility>

#include "courier/detail/config.hpp"

#if defined(__has_include)
#if __has_include(<version>)
#include <version>
#endif
#endif

#if defined(__cpp_lib_expected) && __cpp_lib_expected >= 202211L
#include <expected>
#define COURIER_HAS_STD_EXPECTED 1
#else
#include "courier/detail/memory.hpp"  // std::construct_at, std::destroy_at, std::addressof
#define COURIER_HAS_STD_EXPECTED 0
#endif

namespace courier {

#if COURIER_HAS_STD_EXPECTED

template <class T, class E>
using expected = std::expected<T, E>;
using std::bad_expected_access;
using std::unexpect;
using std::unexpect_t;
using std::unexpected;

#else

template <class E>
class bad_expected_access;

/// Base of bad_expected_access<E>; thrown objects are always the derived type.
template <>
class bad_expected_access<void> : public std::exception {
  public:
    const char* what() const noexcept override { return "courier: bad expected access"; }

  protected:
    bad_expected_access() = default;
    bad_expected_access(const bad_expected_access&) = default;
    bad_expected_access(bad_expected_access&&) = default;
    bad_expected_access& operator=(const bad_expected_access&) = default;
    bad_expected_access& operator=(bad_expected_access&&) = default;
    ~bad_expected_access() override = default;
};

/// Thrown by expected::value() when the expected holds an error; carries a copy of that error.
template <class E>
class bad_expected_access : public bad_expected_access<void> {
  public:
    COURIER_TRIVIAL explicit bad_expected_access(E e) : error_(COURIER_MOVE(e)) {}
    COURIER_TRIVIAL E& error() & noexcept { return error_; }
    COURIER_TRIVIAL const E& error() const& noexcept { return error_; }
    COURIER_TRIVIAL E&& error() && noexcept { return COURIER_MOVE(error_); }
    COURIER_TRIVIAL const E&& error() const&& noexcept { return COURIER_MOVE(error_); }

  private:
    E error_;
};

/// Tag selecting the error alternative in expected's in-place constructor.
struct unexpect_t {
    explicit unexpect_t() = default;
};
inline constexpr unexpect_t unexpect{};

/// Wraps an error value so that it converts to an expected holding that error.
template <class E>
class unexpected {
    static_assert(std::is_object_v<E> && !std::is_array_v<E> && !std::is_const_v<E> &&
                      !std::is_volatile_v<E>,
                  "courier::unexpected<E>: E must be a non-const, non-volatile object type");

  public:
    constexpr unexpected(const unexpected&) = default;
    constexpr unexpected(unexpected&&) = default;

    template <class Err = E>
    requires(!std::is_same_v<std::remove_cvref_t<Err>, unexpected> &&
             !std::is_same_v<std::remove_cvref_t<Err>, std::in_place_t> &&
             std::is_constructible_v<E, Err>) constexpr explicit unexpected(Err&& e)
        : error_(static_cast<Err&&>(e)) {}

    template <class... Args>
    requires std::is_constructible_v<E, Args...>
    constexpr explicit unexpected(std::in_place_t, Args&&... args)
        : error_(static_cast<Args&&>(args)...) {}

    constexpr unexpected& operator=(const unexpected&) = default;
    constexpr unexpected& operator=(unexpected&&) = default;

    COURIER_TRIVIAL constexpr E& error() & noexcept { return error_; }
    COURIER_TRIVIAL constexpr const E& error() const& noexcept { return error_; }
    COURIER_TRIVIAL constexpr E&& error() && noexcept { return COURIER_MOVE(error_); }
    COURIER_TRIVIAL constexpr const E&& error() const&& noexcept { return COURIER_MOVE(error_); }

    template <class E2>
    friend constexpr bool operator==(const unexpected& x, const unexpected<E2>& y) {
        return x.error() == y.error();
    }

  private:
    E error_;
};

template <class E>
unexpected(E) -> unexpected<E>;

namespace detail {

template <class T>
struct is_unexpected : std::false_type {};
template <class E>
struct is_unexpected<unexpected<E>> : std::true_type {};

}  // namespace detail

namespace detail {
struct expected_access;
}

/// Holds either a value of type T or an error of type E (never neither).
template <class T, class E>
class expected {
    static_assert(!std::is_reference_v<T> && !std::is_function_v<T>,
                  "courier::expected<T, E>: T must be an object type or void");
    static_assert(!detail::is_unexpected<std::remove_cv_t<T>>::value,
                  "courier::expected<T, E>: T must not be an unexpected<...>");

  public:
    using value_type = T;
    using error_type = E;
    using unexpected_type = unexpected<E>;

    template <class U>
    using rebind = expected<U, error_type>;

    constexpr expected() requires std::is_default_constructible_v<T> : has_value_(true) {
        std::construct_at(std::addressof(value_));
    }

    constexpr expected(const expected& other) requires(
        std::is_copy_constructible_v<T>&& std::is_copy_constructible_v<E>)
        : has_value_(other.has_value_) {
        if (has_value_) {
            std::construct_at(std::addressof(value_), other.value_);
        } else {
            std::construct_at(std::addressof(error_), other.error_);
        }
    }

    constexpr expected(expected&& other) noexcept(
        std::is_nothrow_move_constructible_v<T>&& std::is_nothrow_move_constructible_v<
            E>) requires(std::is_move_constructible_v<T>&& std::is_move_constructible_v<E>)
        : has_value_(other.has_value_) {
        if (has_value_) {
            std::construct_at(std::addressof(value_), COURIER_MOVE(other.value_));
        } else {
            std::construct_at(std::addressof(error_), COURIER_MOVE(other.error_));
        }
    }

    template <class U = T>
    requires(!std::is_same_v<std::remove_cvref_t<U>, std::in_place_t> &&
             !std::is_same_v<std::remove_cvref_t<U>, expected> &&
             !std::is_same_v<std::remove_cvref_t<U>, unexpect_t> &&
             !detail::is_unexpected<std::remove_cvref_t<U>>::value &&
             std::is_constructible_v<T, U>) constexpr explicit(!std::is_convertible_v<U, T>)
        expected(U&& v)
        : has_value_(true) {
        std::construct_at(std::addressof(value_), static_cast<U&&>(v));
    }

    template <class G>
    requires std::is_constructible_v<E, const G&>
    constexpr explicit(!std::is_convertible_v<const G&, E>) expected(const unexpected<G>& e)
        : has_value_(false) {
        std::construct_at(std::addressof(error_), e.error());
    }

    template <class G>
    requires std::is_constructible_v<E, G>
    constexpr explicit(!std::is_convertible_v<G, E>) expected(unexpected<G>&& e)
        : has_value_(false) {
        std::construct_at(std::addressof(error_), COURIER_MOVE(e).error());
    }

    template <class... Args>
    requires std::is_constructible_v<T, Args...>
    constexpr explicit expected(std::in_place_t, Args&&... args) : has_value_(true) {
        std::construct_at(std::addressof(value_), static_cast<Args&&>(args)...);
    }

    template <class... Args>
    requires std::is_constructible_v<E, Args...>
    constexpr explicit expected(unexpect_t, Args&&... args) : has_value_(false) {
        std::construct_at(std::addressof(error_), static_cast<Args&&>(args)...);
    }

    COURIER_TRIVIAL constexpr ~expected() { destroy(); }

    constexpr expected& operator=(const expected& other) requires(
        std::is_copy_constructible_v<T>&& std::is_copy_constructible_v<E>) {
        if (this != std::addressof(other)) {
            expected tmp(other);
            assign_from(COURIER_MOVE(tmp));
        }
        return *this;
    }

    constexpr expected& operator=(expected&& other) noexcept(
        std::is_nothrow_move_constructible_v<T>&& std::is_nothrow_move_constructible_v<
            E>) requires(std::is_move_constructible_v<T>&& std::is_move_constructible_v<E>) {
        if (this != std::addressof(other)) {
            assign_from(COURIER_MOVE(other));
        }
        return *this;
    }

    template <class U = T>
    requires(!std::is_same_v<std::remove_cvref_t<U>, expected> &&
             !detail::is_unexpected<std::remove_cvref_t<U>>::value &&
             std::is_constructible_v<T, U> && std::is_move_constructible_v<E>) constexpr expected&
    operator=(U&& v) {
        expected tmp(std::in_place, static_cast<U&&>(v));
        assign_from(COURIER_MOVE(tmp));
        return *this;
    }

    template <class G>
    requires std::is_constructible_v<E, G>
    constexpr expected& operator=(unexpected<G> e) {
        expected tmp(unexpect, COURIER_MOVE(e).error());
        assign_from(COURIER_MOVE(tmp));
        return *this;
    }

    COURIER_TRIVIAL constexpr bool has_value() const noexcept { return has_value_; }
    constexpr explicit operator bool() const noexcept { return has_value_; }

    COURIER_TRIVIAL constexpr T* operator->() noexcept { return std::addressof(value_); }
    COURIER_TRIVIAL constexpr const T* operator->() const noexcept {
        return std::addressof(value_);
    }
    COURIER_TRIVIAL constexpr T& operator*() & noexcept { return value_; }
    COURIER_TRIVIAL constexpr const T& operator*() const& noexcept { return value_; }
    COURIER_TRIVIAL constexpr T&& operator*() && noexcept { return COURIER_MOVE(value_); }
    COURIER_TRIVIAL constexpr const T&& operator*() const&& noexcept {
        return COURIER_MOVE(value_);
    }

    constexpr T& value() & {
        check();
        return value_;
    }
    constexpr const T& value() const& {
        check();
        return value_;
    }
    constexpr T&& value() && {
        COURIER_MOVE(*this).check();
        return COURIER_MOVE(value_);
    }
    constexpr const T&& value() const&& {
        check();
        return COURIER_MOVE(value_);
    }

    COURIER_TRIVIAL constexpr E& error() & noexcept { return error_; }
    COURIER_TRIVIAL constexpr const E& error() const& noexcept { return error_; }
    COURIER_TRIVIAL constexpr E&& error() && noexcept { return COURIER_MOVE(error_); }
    COURIER_TRIVIAL constexpr const E&& error() const&& noexcept { return COURIER_MOVE(error_); }

    template <class U>
    constexpr T value_or(U&& fallback) const& {
        return has_value_ ? value_ : static_cast<T>(static_cast<U&&>(fallback));
    }
    template <class U>
    constexpr T value_or(U&& fallback) && {
        return has_value_ ? COURIER_MOVE(value_) : static_cast<T>(static_cast<U&&>(fallback));
    }

    template <class T2, class E2>
    requires(!std::is_void_v<T2>) friend constexpr bool operator==(const expected& x,
                                                                   const expected<T2, E2>& y) {
        if (x.has_value() != y.has_value()) {
            return false;
        }
        return x.has_value() ? static_cast<bool>(*x == *y)
                             : static_cast<bool>(x.error() == y.error());
    }

    template <class T2>
    requires(!std::is_same_v<std::remove_cvref_t<T2>, expected> &&
             !detail::is_unexpected<std::remove_cvref_t<T2>>::value) friend constexpr bool
    operator==(const expected& x, const T2& v) {
        return x.has_value() && static_cast<bool>(*x == v);
    }

    template <class E2>
    friend constexpr bool operator==(const expected& x, const unexpected<E2>& e) {
        return !x.has_value() && static_cast<bool>(x.error() == e.error());
    }

  private:
    // Throws bad_expected_access with a copy of the error (lvalues), or with the error moved out
    // of an rvalue.
    constexpr void check() const& {
        if (!has_value_) {
            throw bad_expected_access<std::decay_t<E>>(error_);
        }
    }
    constexpr void check() && {
        if (!has_value_) {
            throw bad_expected_access<std::decay_t<E>>(COURIER_MOVE(error_));
        }
    }

    constexpr void destroy() noexcept {
        if (has_value_) {
            std::destroy_at(std::addressof(value_));
        } else {
            std::destroy_at(std::addressof(error_));
        }
    }

    // Assigns from an rvalue. Only the move constructors of T and E are used; when they can throw,
    // the old content is moved aside first so that a throwing move leaves *this unchanged.
    constexpr void assign_from(expected&& other) {
        if (has_value_ && other.has_value_) {
            destroy();
            std::construct_at(std::addressof(value_), COURIER_MOVE(other.value_));
        } else if (!has_value_ && !other.has_value_) {
            destroy();
            std::construct_at(std::addressof(error_), COURIER_MOVE(other.error_));
        } else if (other.has_value_) {
            E saved(COURIER_MOVE(error_));
            std::destroy_at(std::addressof(error_));
            try {
                std::construct_at(std::addressof(value_), COURIER_MOVE(other.value_));
            } catch (...) {
                std::construct_at(std::addressof(error_), COURIER_MOVE(saved));
                throw;
            }
            has_value_ = true;
        } else {
            T saved(COURIER_MOVE(value_));
            std::destroy_at(std::addressof(value_));
            try {
                std::construct_at(std::addressof(error_), COURIER_MOVE(other.error_));
            } catch (...) {
                std::construct_at(std::addressof(value_), COURIER_MOVE(saved));
                throw;
            }
            has_value_ = false;
        }
    }

    friend struct detail::expected_access;

    union {
        T value_;
        E error_;
    };
    bool has_value_;
};

namespace detail {
/// Lets a receive construct its message straight into the expected it returns: `r` holds an
/// error (trivially destructible), the message is constructed at value_place(r), then
/// value_constructed(r) says so. Until then `r` still holds its error.
struct expected_access {
    template <class T, class E>
    static T* value_place(expected<T, E>& r) noexcept {
        static_assert(std::is_trivially_destructible_v<E>);
        return std::addressof(r.value_);
    }
    template <class T, class E>
    static void value_constructed(expected<T, E>& r) noexcept {
        r.has_value_ = true;
    }
};
/// What expected<void, E> holds on success: nothing, as a value.
struct no_value {
    friend constexpr bool operator==(no_value, no_value) noexcept { return true; }
};
}  // namespace detail

/// expected<void, E>: success carries nothing, failure carries an E. Its storage, copies and
/// assignments are those of expected<detail::no_value, E>.
template <class E>
class expected<void, E> {
  public:
    using value_type = void;
    using error_type = E;
    using unexpected_type = unexpected<E>;

    template <class U>
    using rebind = expected<U, error_type>;

    constexpr expected() noexcept = default;

    template <class G>
    requires std::is_constructible_v<E, const G&>
    constexpr explicit(!std::is_convertible_v<const G&, E>) expected(const unexpected<G>& e)
        : impl_(e) {}

    template <class G>
    requires std::is_constructible_v<E, G>
    constexpr explicit(!std::is_convertible_v<G, E>) expected(unexpected<G>&& e)
        : impl_(COURIER_MOVE(e)) {}

    COURIER_TRIVIAL constexpr explicit expected(std::in_place_t) noexcept {}

    template <class... Args>
    requires std::is_constructible_v<E, Args...>
    constexpr explicit expected(unexpect_t, Args&&... args)
        : impl_(unexpect, static_cast<Args&&>(args)...) {}

    template <class G>
    requires std::is_constructible_v<E, G>
    constexpr expected& operator=(unexpected<G> e) {
        impl_ = COURIER_MOVE(e);
        return *this;
    }

    COURIER_TRIVIAL constexpr bool has_value() const noexcept { return impl_.has_value(); }
    constexpr explicit operator bool() const noexcept { return impl_.has_value(); }
    COURIER_TRIVIAL constexpr void operator*() const noexcept {}

    /// Throws bad_expected_access<E> (with a copy of the error, or the error itself for an
    /// rvalue) when *this holds an error.
    COURIER_TRIVIAL constexpr void value() const& { static_cast<void>(impl_.value()); }
    COURIER_TRIVIAL constexpr void value() && { static_cast<void>(COURIER_MOVE(impl_).value()); }

    COURIER_TRIVIAL constexpr E& error() & noexcept { return impl_.error(); }
    COURIER_TRIVIAL constexpr const E& error() const& noexcept { return impl_.error(); }
    COURIER_TRIVIAL constexpr E&& error() && noexcept { return COURIER_MOVE(impl_).error(); }
    COURIER_TRIVIAL constexpr const E&& error() const&& noexcept {
        return COURIER_MOVE(impl_).error();
    }

    template <class T2, class E2>
    requires std::is_void_v<T2>
    friend constexpr bool operator==(const expected& x, const expected<T2, E2>& y) {
        if (x.has_value() != y.has_value()) {
            return false;
        }
        return x.has_value() || static_cast<bool>(x.error() == y.error());
    }

    template <class E2>
    friend constexpr bool operator==(const expected& x, const unexpected<E2>& e) {
        return !x.has_value() && static_cast<bool>(x.error() == e.error());
    }

  private:
    expected<detail::no_value, E> impl_;
};

#endif  // COURIER_HAS_STD_EXPECTED

}  // namespace courier
