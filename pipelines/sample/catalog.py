"""A deterministic sample catalogue of fashion products, the data behind the sample sources.

The offline run needs a mall to crawl that behaves like okmall without being okmall: the same
brands, names, model numbers, options, images and prices a real brand listing has, and the same
awkward cases (sold-out products and options, images shared between products, a name the
offline translator cannot translate), so every stage of the pipeline has real work to do. One
seed gives one catalogue, always the same, so runs and benchmarks can be compared.

Names use only the vocabulary below (gender, adjective, type, colour, the model number in
brackets, as okmall writes "남성 ... (FQ2494-010)"), except 1..3 products whose name holds the
words of ``OFF_VOCABULARY``: those must go down the "needs human translation" path.

``repriced`` gives the next state of the same mall (a few prices changed, a few products sold
out), ``without`` the mall after some products were taken off, and ``competitor`` what BUYMA's
price-ascending search shows for a product. Generation is plain ``random.Random``: 10,000
products take a fraction of a second.
"""

from __future__ import annotations

import random
import re
import zlib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from functools import cached_property

GENDERS = ("남성", "여성", "공용")
ADJECTIVES = (
    "로고",
    "오버핏",
    "슬림핏",
    "스트라이프",
    "체크",
    "코튼",
    "울",
    "가죽",
    "나일론",
    "데님",
    "경량",
    "베이직",
)
# Korean colour (as in the name) -> the English one okmall writes in the option table.
COLOURS = {
    "블랙": "Black",
    "화이트": "White",
    "네이비": "Navy",
    "그레이": "Grey",
    "베이지": "Beige",
    "브라운": "Brown",
    "레드": "Red",
    "블루": "Blue",
    "그린": "Green",
    "카키": "Khaki",
    "아이보리": "Ivory",
    "핑크": "Pink",
    "옐로우": "Yellow",
    "퍼플": "Purple",
    "오렌지": "Orange",
}
# Words no product name may hold except the chosen few that need a human translator.
OFF_VOCABULARY = "한정판 콜라보"

SEASONS = ("24FW", "25SS", "25FW", "26SS")
MIN_PRICE = 29_000
MAX_PRICE = 2_500_000
FREE = "FREE"


@dataclass(frozen=True, slots=True)
class ProductType:
    """A kind of product: where okmall files it, what sizes it comes in, what it costs."""

    name: str
    category: tuple[str, ...]  # below the gender: ("의류", "상의", "반팔 티셔츠")
    sizing: str  # "top", "bottom", "waist", "dress", "shoes" or "free"
    base_price: int  # KRW for a brand with price factor 1.0
    adjectives: tuple[str, ...]  # the adjectives that make sense for it
    women_only: bool = False


_CLOTH = ("로고", "오버핏", "스트라이프", "체크", "코튼", "베이직")
_KNIT = ("로고", "오버핏", "울", "스트라이프", "베이직")
_OUTER = ("로고", "오버핏", "울", "가죽", "나일론", "데님", "경량", "베이직", "체크")
_PANTS = ("슬림핏", "오버핏", "코튼", "울", "나일론", "체크", "베이직")
_SHOES = ("로고", "가죽", "나일론", "경량", "베이직")
_GOODS = ("로고", "가죽", "나일론", "데님", "체크", "베이직")

TYPES: tuple[ProductType, ...] = (
    ProductType("반팔 티셔츠", ("의류", "상의", "반팔 티셔츠"), "top", 39_000, _CLOTH),
    ProductType("긴팔 티셔츠", ("의류", "상의", "긴팔 티셔츠"), "top", 49_000, _CLOTH),
    ProductType("후드티", ("의류", "상의", "후드티"), "top", 79_000, _CLOTH),
    ProductType("맨투맨", ("의류", "상의", "맨투맨"), "top", 69_000, _CLOTH),
    ProductType("셔츠", ("의류", "상의", "셔츠"), "top", 69_000, (*_CLOTH, "데님", "슬림핏")),
    ProductType("니트", ("의류", "상의", "니트"), "top", 89_000, _KNIT),
    ProductType("가디건", ("의류", "상의", "가디건"), "top", 99_000, _KNIT),
    ProductType("자켓", ("의류", "아우터", "자켓"), "top", 129_000, _OUTER),
    ProductType("패딩", ("의류", "아우터", "패딩"), "top", 199_000, ("로고", "경량", "나일론")),
    ProductType("코트", ("의류", "아우터", "코트"), "top", 229_000, ("울", "체크", "베이직")),
    ProductType("바지", ("의류", "하의", "바지"), "waist", 69_000, _PANTS),
    ProductType("청바지", ("의류", "하의", "청바지"), "waist", 79_000, ("슬림핏", "오버핏")),
    ProductType("반바지", ("의류", "하의", "반바지"), "bottom", 45_000, _PANTS),
    ProductType("스커트", ("의류", "하의", "스커트"), "dress", 69_000, _PANTS, women_only=True),
    ProductType("원피스", ("의류", "원피스", "원피스"), "dress", 99_000, _CLOTH, women_only=True),
    ProductType("스니커즈", ("신발", "스니커즈"), "shoes", 119_000, _SHOES),
    ProductType("운동화", ("신발", "운동화"), "shoes", 129_000, ("경량", "나일론", "베이직")),
    ProductType("샌들", ("신발", "샌들"), "shoes", 49_000, ("로고", "가죽", "베이직")),
    ProductType("부츠", ("신발", "부츠"), "shoes", 169_000, ("가죽", "베이직")),
    ProductType("백팩", ("가방", "백팩"), "free", 69_000, _GOODS),
    ProductType("토트백", ("가방", "토트백"), "free", 79_000, _GOODS),
    ProductType("크로스백", ("가방", "크로스백"), "free", 59_000, _GOODS),
    ProductType("모자", ("액세서리", "모자"), "free", 35_000, ("로고", "울", "나일론", "베이직")),
    ProductType("볼캡", ("액세서리", "모자", "볼캡"), "free", 35_000, ("로고", "코튼", "데님")),
    ProductType("지갑", ("액세서리", "지갑"), "free", 49_000, ("로고", "가죽", "나일론")),
    ProductType("벨트", ("액세서리", "벨트"), "free", 45_000, ("로고", "가죽", "나일론")),
)
_TOP_LEVEL = {"남성": "MEN", "여성": "WOMEN", "공용": "UNISEX"}


@dataclass(frozen=True, slots=True)
class Brand:
    """A brand as okmall shows it.

    ``okmall_name`` is what the listing URL and the ld+json brand carry ("나이키(NIKE)");
    ``model_format`` builds a model number from a style number ``{n}`` and a colour code
    (``{c3}`` three digits, ``{cl}`` three letters, ``{c2}`` two letters).
    """

    okmall_name: str
    name_kr: str
    name_en: str
    slug: str
    price_factor: float
    model_format: str
    numeric_tops: bool  # tops in 95/100/105/110 rather than S/M/L/XL
    shoe_step: int  # 5 or 10 (mm)


def _brand(
    okmall_name: str, slug: str, factor: float, model_format: str, numeric_tops: bool = False
) -> Brand:
    name_kr, _, rest = okmall_name.partition("(")
    step = 5 if numeric_tops else 10  # sports brands: every 5 mm and 95..110 tops
    return Brand(
        okmall_name, name_kr, rest.rstrip(")"), slug, factor, model_format, numeric_tops, step
    )


BRANDS: tuple[Brand, ...] = (
    _brand("나이키(NIKE)", "nike", 1.0, "FQ{n}-{c3}", numeric_tops=True),
    _brand("아디다스(ADIDAS)", "adidas", 0.95, "IH{n}-{c2}", numeric_tops=True),
    _brand("뉴발란스(NEW BALANCE)", "newbalance", 1.1, "U{n}{c2}", numeric_tops=True),
    _brand("폴로 랄프로렌(POLO RALPH LAUREN)", "polo", 1.7, "710{n}-{c3}"),
    _brand("메종키츠네(MAISON KITSUNE)", "kitsune", 2.6, "LM0{n}KJ-P{c3}"),
    _brand("스톤아일랜드(STONE ISLAND)", "stone", 4.0, "8015{n}-V0{c3}"),
    _brand("씨피컴퍼니(C.P. COMPANY)", "cp", 3.2, "15CM{n}A-{c3}"),
    _brand("톰브라운(THOM BROWNE)", "thom", 7.0, "MJT{n}A-{c3}"),
    _brand("아크네 스튜디오(ACNE STUDIOS)", "acne", 3.6, "CL{n}-{cl}"),
    _brand("아페쎄(A.P.C.)", "apc", 2.8, "COEZC-H{n}-{cl}"),
    _brand("발렌시아가(BALENCIAGA)", "balenciaga", 8.5, "6{n}TJV-{c3}0"),
    _brand("칼하트(CARHARTT)", "carhartt", 1.2, "I0{n}-{c2}XX"),
    _brand("몽클레르(MONCLER)", "moncler", 9.0, "1A0{n}-{c3}"),
)
_BRANDS_BY_NAME = {brand.okmall_name: brand for brand in BRANDS}

# Colour codes in COLOURS order.
_C3 = ("010", "100", "410", "063", "250", "200", "600", "400", "300", "222", "133", "610", "700")
_C3 = (*_C3, "500", "800")
_C2 = ("BK", "WH", "NV", "GR", "BE", "BR", "RD", "BU", "GN", "KH", "IV", "PK", "YE", "PP", "OR")
_CL = ("BLK", "WHT", "NVY", "GRY", "BEI", "BRN", "RED", "BLU", "GRN", "KHA", "IVR", "PNK", "YEL")
_CL = (*_CL, "PPL", "ORG")
_COLOUR_NAMES = tuple(COLOURS)

_SIZES = {
    "top_alpha": ("S", "M", "L", "XL"),
    "top_numeric": ("95", "100", "105", "110"),
    "waist": ("28", "30", "32", "34"),
    "bottom": ("S", "M", "L", "XL"),
    "dress": ("XS", "S", "M", "L"),
    "free": (FREE,),
}
_MEASURED = {"S": "95 전후", "M": "100 전후", "L": "105 전후", "XL": "110 전후", "XS": "90 전후"}
_SHOE_RANGE = {"남성": (250, 290), "여성": (230, 260), "공용": (230, 290)}


@dataclass(frozen=True, slots=True)
class SampleOption:
    """One colour x size of a product; ``sku`` is okmall's option code (the ld+json offer sku)."""

    sku: str
    color: str
    size: str
    stock: int

    @property
    def sold_out(self) -> bool:
        return self.stock <= 0

    @property
    def measured_size(self) -> str:
        """What okmall's own measurement column says for this size."""
        return _MEASURED.get(self.size, self.size)


@dataclass(frozen=True, slots=True)
class SampleProduct:
    """One product of the sample mall, everything its listing card and page show."""

    product_id: str
    brand: str  # the okmall brand name, "나이키(NIKE)"
    brand_en: str
    gender: str
    product_type: str
    color: str  # the Korean colour of the name
    name: str
    model_number: str
    season: str
    category: tuple[str, ...]
    price: int
    list_price: int
    options: tuple[SampleOption, ...]
    image_ids: tuple[str, ...]

    @property
    def sold_out(self) -> bool:
        return all(option.sold_out for option in self.options)

    @property
    def stock(self) -> int:
        return sum(max(option.stock, 0) for option in self.options)

    @property
    def available_sizes(self) -> tuple[str, ...]:
        """The sizes that can be bought now, in size order, each once (the listing card's)."""
        buyable = {option.size for option in self.options if not option.sold_out}
        return tuple(
            size for size in dict.fromkeys(o.size for o in self.options) if size in buyable
        )


@dataclass(frozen=True, slots=True)
class BuymaListing:
    """One item on BUYMA's search page for a model number. ``own`` is our own listing: the
    page shows it under our buyer id, whatever that is."""

    item_id: str
    title: str
    price_jpy: int
    buyer_id: str
    buyer_name: str
    used: bool = False
    own: bool = False


@dataclass(frozen=True, slots=True)
class BuymaSearch:
    """What BUYMA's price-ascending search shows for one model number, cheapest first."""

    model_number: str
    listings: tuple[BuymaListing, ...]

    @property
    def outcome(self) -> str:
        """ "competitor" (someone else sells it new), "own_only" or "none"."""
        if self.cheapest_rival_jpy is not None:
            return "competitor"
        return "own_only" if any(listing.own for listing in self.listings) else "none"

    @property
    def cheapest_rival_jpy(self) -> int | None:
        """The price to beat: the cheapest new item not ours, or None."""
        prices = [item.price_jpy for item in self.listings if not item.own and not item.used]
        return min(prices, default=None)


# Sellers other than us. BUYMA buyer ids are numbers; these never collide with a caller's id
# as long as that id is not one of them.
RIVAL_BUYERS = (
    ("1040117", "SEOUL SELECT"),
    ("1040233", "K-Style Tokyo"),
    ("1040391", "Myeongdong Closet"),
    ("1040452", "Hannam Buyer"),
    ("1040568", "Gangnam Direct"),
    ("1040671", "Busan Import"),
    ("1040789", "Itaewon Works"),
    ("1040812", "Jeju Market"),
)


class SampleCatalog:
    """The products of the sample mall, in listing order, with lookups by id, brand and model.

    Immutable: ``repriced`` and ``without`` return new catalogues. ``changed`` holds the ids
    whose price or stock ``repriced`` changed against the catalogue it came from.
    """

    def __init__(
        self,
        products: Sequence[SampleProduct],
        *,
        seed: int,
        brands: Sequence[Brand],
        generation: int = 0,
        changed: Iterable[str] = (),
    ) -> None:
        self.products: tuple[SampleProduct, ...] = tuple(products)
        self.seed = seed
        self.generation = generation
        self.changed: frozenset[str] = frozenset(changed)
        self._by_id = {product.product_id: product for product in self.products}
        if len(self._by_id) != len(self.products):
            raise ValueError("product ids must be unique")
        self.brand_info: tuple[Brand, ...] = tuple(brands)

    @classmethod
    def generate(
        cls,
        products: int = 1000,
        brands: int | Sequence[str] = 12,
        seed: int = 7,
        *,
        id_prefix: str = "",
        series: int = 0,
    ) -> SampleCatalog:
        """``products`` products over the first ``brands`` brands of ``BRANDS`` (or the brands
        named, okmall names), the same for the same arguments.

        ``id_prefix`` gives ids like "FD00001" instead of okmall's numbers, and ``series`` 1 a
        second range of model numbers, so a second catalogue (the Excel feed's) never shares a
        product with the mall's.
        """
        if isinstance(brands, int):
            if not 1 <= brands <= len(BRANDS):
                raise ValueError(f"brands must be 1..{len(BRANDS)}")
            chosen = BRANDS[:brands]
        else:
            try:
                chosen = tuple(_BRANDS_BY_NAME[name] for name in brands)
            except KeyError as exc:
                raise ValueError(f"unknown brand {exc.args[0]!r}") from None
        if products < 0:
            raise ValueError("products must be 0 or more")
        built = _generate(products, chosen, seed, id_prefix, series)
        return cls(built, seed=seed, brands=chosen)

    # --- lookups ---------------------------------------------------------------------------

    @property
    def brands(self) -> tuple[str, ...]:
        """The brands' okmall names ("나이키(NIKE)"), as the crawler's ``brands`` setting takes
        them and the listing URL carries them."""
        return tuple(brand.okmall_name for brand in self.brand_info)

    def __len__(self) -> int:
        return len(self.products)

    def __iter__(self) -> Iterator[SampleProduct]:
        return iter(self.products)

    def __contains__(self, product_id: object) -> bool:
        return product_id in self._by_id

    def get(self, product_id: str) -> SampleProduct | None:
        return self._by_id.get(product_id)

    def __getitem__(self, product_id: str) -> SampleProduct:
        return self._by_id[product_id]

    @cached_property
    def _by_brand(self) -> dict[str, tuple[SampleProduct, ...]]:
        grouped: dict[str, list[SampleProduct]] = {name: [] for name in self.brands}
        for product in self.products:
            grouped.setdefault(product.brand, []).append(product)
        return {name: tuple(items) for name, items in grouped.items()}

    def products_of(self, brand: str) -> tuple[SampleProduct, ...]:
        """The brand's products in listing order; () for a brand the mall does not carry."""
        return self._by_brand.get(brand, ())

    @cached_property
    def _by_model(self) -> dict[str, SampleProduct]:
        return {product.model_number: product for product in self.products}

    def by_model_number(self, model_number: str) -> SampleProduct | None:
        return self._by_model.get(model_number)

    @cached_property
    def image_ids(self) -> frozenset[str]:
        return frozenset(i for product in self.products for i in product.image_ids)

    def brand_of(self, product: SampleProduct) -> Brand:
        return _BRANDS_BY_NAME[product.brand]

    def off_vocabulary_ids(self) -> tuple[str, ...]:
        """The products whose name needs a human translator."""
        return tuple(p.product_id for p in self.products if OFF_VOCABULARY in p.name)

    def competitor(self, product: SampleProduct) -> BuymaSearch:
        return competitor(product)

    # --- next states -----------------------------------------------------------------------

    def repriced(self, fraction: float = 0.05, generation: int = 1) -> SampleCatalog:
        """The same mall later: ``round(fraction * len)`` products (at least one when fraction
        > 0) have a new price, about one in ten of them also sold out; everything else is
        identical. The changed ids are in ``.changed``. Same arguments, same result."""
        if not 0 <= fraction <= 1:
            raise ValueError("fraction must be within 0..1")
        count = round(fraction * len(self.products))
        if fraction > 0 and self.products:
            count = max(count, 1)
        rng = random.Random(f"{self.seed}:reprice:{generation}")
        chosen = rng.sample(range(len(self.products)), count)
        selling = [i for i in chosen if not self.products[i].sold_out]
        sell_out = set(rng.sample(selling, min(len(selling), max(1, count // 10)))) if count else ()
        products = list(self.products)
        for index in chosen:
            product = products[index]
            new = _new_price(product, rng)
            options = product.options
            if index in sell_out:
                options = tuple(replace(option, stock=0) for option in options)
            products[index] = replace(product, price=new, options=options)
        return SampleCatalog(
            products,
            seed=self.seed,
            brands=self.brand_info,
            generation=generation,
            changed=(self.products[i].product_id for i in chosen),
        )

    def without(self, product_ids: Iterable[str]) -> SampleCatalog:
        """The mall after these products were taken off: their pages answer 404."""
        gone = set(product_ids)
        return SampleCatalog(
            [p for p in self.products if p.product_id not in gone],
            seed=self.seed,
            brands=self.brand_info,
            generation=self.generation,
        )


def changed_ids(old: SampleCatalog, new: SampleCatalog) -> frozenset[str]:
    """Ids of the products in both catalogues whose price or any option's stock differ."""
    changed = set()
    for product in old.products:
        other = new.get(product.product_id)
        if other is None:
            continue
        if other.price != product.price or _stocks(other) != _stocks(product):
            changed.add(product.product_id)
    return frozenset(changed)


def competitor(product: SampleProduct) -> BuymaSearch:
    """What BUYMA's price-ascending search shows for ``product``'s model number.

    Deterministic per product: for about 60% rivals sell it (the cheapest within +-20% of a
    sensible BUYMA price, KRW / 9.5 * 1.3), sometimes next to our own listing and a cheaper
    used item that must not count; about 10% show only our own listing; the rest nothing.
    """
    rng = random.Random(zlib.crc32(f"{product.product_id}|{product.model_number}".encode()))
    draw = rng.random()
    reference = product.price / 9.5 * 1.3
    title = f"【{product.brand_en}】{product.model_number} 正規品"
    listings: list[BuymaListing] = []
    if draw < 0.6:
        cheapest = _yen(reference * rng.uniform(0.8, 1.2))
        for number, (buyer_id, buyer_name) in enumerate(
            rng.sample(RIVAL_BUYERS, rng.randint(1, 4))
        ):
            price = cheapest if number == 0 else _yen(cheapest * rng.uniform(1.0, 1.3))
            listings.append(BuymaListing(_item_id(rng), title, price, buyer_id, buyer_name))
        if rng.random() < 0.5:
            own = _yen(reference * rng.uniform(0.9, 1.25))
            listings.append(BuymaListing(_item_id(rng), title, own, "", "", own=True))
        if rng.random() < 0.2:
            buyer_id, buyer_name = rng.choice(RIVAL_BUYERS)
            used = _yen(cheapest * 0.6)
            listings.append(BuymaListing(_item_id(rng), title, used, buyer_id, buyer_name, True))
    elif draw < 0.7:
        listings.append(
            BuymaListing(
                _item_id(rng), title, _yen(reference * rng.uniform(0.9, 1.25)), "", "", own=True
            )
        )
    listings.sort(key=lambda item: item.price_jpy)
    return BuymaSearch(product.model_number, tuple(listings))


def outside_vocabulary(name: str) -> tuple[str, ...]:
    """The words of a product name (model number in brackets left out) that are not in the
    sample vocabulary; () for every generated name except the off-vocabulary few."""
    text = _BRACKETED.sub(" ", name)
    for phrase in sorted(_VOCABULARY, key=len, reverse=True):
        text = text.replace(phrase, " ")
    return tuple(text.split())


# --- generation ---------------------------------------------------------------------------

_BRACKETED = re.compile(r"\([^()]*\)")
_VOCABULARY = frozenset((*GENDERS, *ADJECTIVES, *(t.name for t in TYPES), *COLOURS))


def _generate(
    count: int, brands: Sequence[Brand], seed: int, id_prefix: str, series: int
) -> list[SampleProduct]:
    rng = random.Random(seed if series == 0 else f"{seed}:series:{series}")
    products: list[SampleProduct] = []
    styles = [0] * len(brands)
    sku = 2_000_000 + series * 5_000_000
    turn = 0
    while len(products) < count:
        position = turn % len(brands)
        brand = brands[position]
        turn += 1
        style_number = _style_number(styles[position], position, series)
        styles[position] += 1
        kind = rng.choice(TYPES)
        gender = "여성" if kind.women_only else rng.choice(GENDERS)
        adjective = rng.choice(kind.adjectives) if rng.random() < 0.7 else None
        season = rng.choice(SEASONS)
        price = _round_hundred(kind.base_price * brand.price_factor * rng.uniform(0.85, 1.2))
        price = min(max(price, MIN_PRICE), MAX_PRICE)
        list_price = min(-(-int(price / (1 - rng.uniform(0.1, 0.45))) // 1000) * 1000, 3_500_000)
        list_price = max(list_price, price + 1000)
        sizes = _sizes(kind, brand, gender)
        variants = min(rng.choice((1, 1, 2, 2, 3)), count - len(products))
        colours = rng.sample(range(len(_COLOUR_NAMES)), variants)
        style_image = f"{brand.slug}-{style_number}-detail" if variants > 1 else None
        for colour in colours:
            index = len(products)
            if id_prefix:
                product_id = f"{id_prefix}{index + 1:05d}"
            else:
                product_id = str(700_000 + index * 5 + rng.randrange(5))
            model = brand.model_format.format(
                n=style_number, c3=_C3[colour], c2=_C2[colour], cl=_CL[colour]
            )
            colour_kr = _COLOUR_NAMES[colour]
            option_colours = [COLOURS[colour_kr]]
            if rng.random() < 0.2:
                option_colours.append(COLOURS[_COLOUR_NAMES[(colour + 1 + rng.randrange(14)) % 15]])
            sold_out = rng.random() < 0.05
            options = []
            for option_colour in option_colours:
                for size in sizes:
                    stock = 0 if sold_out or rng.random() < 0.12 else rng.randint(1, 30)
                    options.append(SampleOption(str(sku), option_colour, size, stock))
                    sku += 1
            if not sold_out and all(option.stock == 0 for option in options):
                options[0] = replace(options[0], stock=rng.randint(1, 30))
            photos = rng.randint(1, 3)
            images = [f"p{product_id.lower()}-{n}" for n in range(1, photos + 1)]
            if style_image:
                images.append(style_image)
            images.append(f"{brand.slug}-size-guide")
            name_words = [gender, adjective, kind.name, colour_kr, f"({model})"]
            products.append(
                SampleProduct(
                    product_id=product_id,
                    brand=brand.okmall_name,
                    brand_en=brand.name_en,
                    gender=gender,
                    product_type=kind.name,
                    color=colour_kr,
                    name=" ".join(word for word in name_words if word),
                    model_number=model,
                    season=season,
                    category=(_TOP_LEVEL[gender], *kind.category),
                    price=price,
                    list_price=list_price,
                    options=tuple(options),
                    image_ids=tuple(images),
                )
            )
    if products:
        for index in rng.sample(range(len(products)), min(len(products), rng.randint(1, 3))):
            product = products[index]
            gender, _, rest = product.name.partition(" ")
            products[index] = replace(product, name=f"{gender} {OFF_VOCABULARY} {rest}")
    if len({p.model_number for p in products}) != len(products):
        raise AssertionError("generated model numbers are not unique")  # a format bug
    return products


def _style_number(index: int, brand_position: int, series: int) -> int:
    """A four-digit style number, unique per brand and series (a permutation of 0..7999 for
    series 0, 9000.. for series 1)."""
    if series == 0:
        if index >= 8000:
            raise ValueError("at most 8,000 styles per brand")
        return 1000 + (index * 7919 + brand_position * 611) % 8000
    if index >= 1000:
        raise ValueError("at most 1,000 styles per brand in series 1")
    return 9000 + index


def _sizes(kind: ProductType, brand: Brand, gender: str) -> tuple[str, ...]:
    if kind.sizing == "shoes":
        low, high = _SHOE_RANGE[gender]
        return tuple(str(size) for size in range(low, high + 1, brand.shoe_step))
    if kind.sizing == "top":
        return _SIZES["top_numeric" if brand.numeric_tops else "top_alpha"]
    return _SIZES[kind.sizing]


def _new_price(product: SampleProduct, rng: random.Random) -> int:
    """A different price, still whole hundreds, at least MIN_PRICE and below the list price."""
    step = rng.uniform(0.05, 0.25) * rng.choice((-1, 1))
    new = _round_hundred(product.price * (1 + step))
    new = min(max(new, MIN_PRICE), product.list_price - 100)
    if new == product.price:
        new = product.price - 100 if product.price - 100 >= MIN_PRICE else product.price + 100
    return new


def _stocks(product: SampleProduct) -> tuple[tuple[str, int], ...]:
    return tuple((option.sku, option.stock) for option in product.options)


def _round_hundred(value: float) -> int:
    return int(round(value / 100)) * 100


def _yen(value: float) -> int:
    return max(int(round(value / 10)) * 10, 100)


def _item_id(rng: random.Random) -> str:
    return str(rng.randrange(100_000_000, 1_000_000_000))
